#include "CedarRequest.h"

#include <cmath>
#include <cstdio>

namespace moat::cedar {
namespace {

constexpr int kMaxDepth = 10;  // claims come from tokens: nesting is bounded, as ToolHive bounds it

// A JSON value as a Cedar JSON value; false when it has no Cedar form (null, too deep, a
// fraction out of decimal's range).
bool toCedar(const json::Value& in, json::Value& out, int depth) {
  switch (in.type()) {
    case json::Value::Type::String:
    case json::Value::Type::Bool:
      out = in;
      return true;
    case json::Value::Type::Number: {
      const double n = in.asNumber();
      if (std::floor(n) == n && std::fabs(n) < 9.2e18) {
        out = in;  // a whole number: Cedar's Long
        return true;
      }
      // A fraction: Cedar's decimal, four digits after the point at most.
      if (!std::isfinite(n) || std::fabs(n) > 922337203685477.0) return false;
      char text[64];
      std::snprintf(text, sizeof text, "%.4f", n);
      json::Value extension = json::Value::makeObject();
      extension.mutableMembers()["fn"] = json::Value::makeString("decimal");
      extension.mutableMembers()["arg"] = json::Value::makeString(text);
      out = json::Value::makeObject();
      out.mutableMembers()["__extn"] = std::move(extension);
      return true;
    }
    case json::Value::Type::Array: {
      if (depth >= kMaxDepth) return false;
      out = json::Value::makeArray();
      for (const auto& item : in.items()) {
        json::Value converted;
        if (toCedar(item, converted, depth + 1)) out.mutableItems().push_back(std::move(converted));
      }
      return true;
    }
    case json::Value::Type::Object: {
      if (depth >= kMaxDepth) return false;
      out = json::Value::makeObject();
      for (const auto& [name, value] : in.members()) {
        // Cedar's JSON reads these as entity references and extension calls: a token must not
        // be able to write one.
        if (name == "__entity" || name == "__extn" || name == "__expr") continue;
        json::Value converted;
        if (toCedar(value, converted, depth + 1)) out.mutableMembers()[name] = std::move(converted);
      }
      return true;
    }
    default:
      return false;
  }
}

json::Value uid(std::string_view type, std::string_view id) {
  json::Value out = json::Value::makeObject();
  out.mutableMembers()["type"] = json::Value::makeString(std::string(type));
  out.mutableMembers()["id"] = json::Value::makeString(std::string(id));
  return out;
}

json::Value entity(json::Value id, json::Value attrs, json::Value parents) {
  json::Value out = json::Value::makeObject();
  out.mutableMembers()["uid"] = std::move(id);
  out.mutableMembers()["attrs"] = std::move(attrs);
  out.mutableMembers()["parents"] = std::move(parents);
  return out;
}

void put(json::Value& record, const std::string& name, const json::Value& value) {
  json::Value converted;
  if (toCedar(value, converted, 1)) record.mutableMembers()[name] = std::move(converted);
}

std::vector<std::string> groupsOf(const Model& model, const json::Value& claims) {
  std::vector<std::string> groups;
  auto take = [&](const json::Value* value) {
    if (!value) return;
    if (value->isString()) groups.push_back(value->asString());
    else if (value->isArray())
      for (const auto& g : value->items())
        if (g.isString()) groups.push_back(g.asString());
  };
  for (const auto& claim : model.groupClaims) {
    if (const json::Value* found = claims.find(claim)) {
      take(found);
      break;
    }
  }
  if (!model.roleClaim.empty()) take(claims.find(model.roleClaim));
  return groups;
}

std::string_view resourceType(std::string_view feature) {
  if (feature == "tool") return "Tool";
  if (feature == "prompt") return "Prompt";
  return "Resource";
}

}  // namespace

std::string actionName(std::string_view feature, std::string_view operation) {
  return std::string(operation) + "_" + std::string(feature);
}

std::string resourceId(std::string_view uri) {
  std::string out(uri);
  for (char& c : out)
    if (c == ':' || c == '/' || c == '\\' || c == '?' || c == '&' || c == '=' || c == '#' || c == ' ' || c == '.') c = '_';
  return out;
}

std::string requestJson(const Model& model, const Question& q) {
  static const json::Value kEmpty = json::Value::makeObject();
  const json::Value& claims = q.claims && q.claims->isObject() ? *q.claims : kEmpty;
  const json::Value& arguments = q.arguments && q.arguments->isObject() ? *q.arguments : kEmpty;
  const json::Value& annotations = q.annotations && q.annotations->isObject() ? *q.annotations : kEmpty;

  json::Value claimAttrs = json::Value::makeObject();
  for (const auto& [name, value] : claims.members()) put(claimAttrs, "claim_" + name, value);
  json::Value argAttrs = json::Value::makeObject();
  for (const auto& [name, value] : arguments.members()) {
    const auto type = value.type();
    if (type == json::Value::Type::String || type == json::Value::Type::Bool || type == json::Value::Type::Number) put(argAttrs, "arg_" + name, value);
    else argAttrs.mutableMembers()["arg_" + name + "_present"] = json::Value::makeBool(true);
  }

  const std::string action = actionName(q.feature, q.operation);
  const std::string_view type = resourceType(q.feature);
  const std::string id = q.feature == "resource" ? resourceId(q.target) : std::string(q.target);

  json::Value principalParents = json::Value::makeArray();
  for (const auto& group : groupsOf(model, claims)) principalParents.mutableItems().push_back(uid(model.groupEntityType, group));

  // Annotations first, so name, operation and feature cannot be overwritten by them.
  json::Value resourceAttrs = json::Value::makeObject();
  for (const auto& [name, value] : annotations.members()) put(resourceAttrs, name, value);
  for (const auto& [name, value] : argAttrs.members()) resourceAttrs.mutableMembers()[name] = value;
  resourceAttrs.mutableMembers()["name"] = json::Value::makeString(std::string(q.target));
  resourceAttrs.mutableMembers()["operation"] = json::Value::makeString(std::string(q.operation));
  resourceAttrs.mutableMembers()["feature"] = json::Value::makeString(std::string(q.feature));
  if (q.feature == "resource") resourceAttrs.mutableMembers()["uri"] = json::Value::makeString(std::string(q.target));
  json::Value resourceParents = json::Value::makeArray();
  if (!model.serverName.empty()) resourceParents.mutableItems().push_back(uid("MCP", model.serverName));

  json::Value actionAttrs = json::Value::makeObject();
  actionAttrs.mutableMembers()["operation"] = json::Value::makeString(action);

  json::Value context = claimAttrs;
  for (const auto& [name, value] : argAttrs.members()) context.mutableMembers()[name] = value;

  json::Value entities = json::Value::makeArray();
  entities.mutableItems().push_back(entity(uid("Client", q.subject), claimAttrs, principalParents));
  entities.mutableItems().push_back(entity(uid("Action", action), actionAttrs, json::Value::makeArray()));
  entities.mutableItems().push_back(entity(uid(type, id), resourceAttrs, resourceParents));

  json::Value request = json::Value::makeObject();
  auto& members = request.mutableMembers();
  members["principal"] = uid("Client", q.subject);
  members["action"] = uid("Action", action);
  members["resource"] = uid(type, id);
  members["context"] = std::move(context);
  members["entities"] = std::move(entities);
  return json::write(request);
}

}  // namespace moat::cedar
