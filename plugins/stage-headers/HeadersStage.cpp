#include "HeadersStage.h"

#include <stdexcept>

#include "moat/settings.hpp"

namespace moat::plugins {
namespace {

std::vector<std::pair<std::string, std::string>> stringMap(const json::Value& config, const char* key) {
  std::vector<std::pair<std::string, std::string>> out;
  const json::Value* v = config.find(key);
  if (!v) return out;
  if (!v->isObject()) throw std::runtime_error(std::string(key) + ": expected a mapping of header names to values");
  for (const auto& [name, value] : v->members()) {
    if (!value.isString()) throw std::runtime_error(std::string(key) + "." + name + ": expected a string");
    out.emplace_back(name, value.asString());
  }
  return out;
}

// A claim rendered as header text: strings as they are, arrays joined with commas.
std::string claimText(const json::Value& value) {
  switch (value.type()) {
    case json::Value::Type::String: return value.asString();
    case json::Value::Type::Bool: return value.asBool() ? "true" : "false";
    case json::Value::Type::Number: return std::to_string(static_cast<long long>(value.asNumber()));
    case json::Value::Type::Array: {
      std::string out;
      for (const auto& item : value.items()) out += (out.empty() ? "" : ",") + claimText(item);
      return out;
    }
    default: return "";
  }
}

}  // namespace

HeadersStage::HeadersStage(const Host& host, const json::Value& config) {
  settings::checkKeys(config, {"set", "remove", "identity_headers", "response_set", "response_remove"}, host.instanceName());
  set_ = stringMap(config, "set");
  remove_ = settings::list(config, "remove");
  identityHeaders_ = stringMap(config, "identity_headers");
  responseSet_ = stringMap(config, "response_set");
  responseRemove_ = settings::list(config, "response_remove");
  for (const auto& [header, source] : identityHeaders_)
    if (source != "subject" && source.rfind("claim:", 0) != 0)
      throw std::runtime_error("identity_headers." + header + ": expected 'subject' or 'claim:<name>'");
  for (const auto& [header, value] : set_)
    if (header == "Authorization" || header == "authorization")
      throw std::runtime_error("set.Authorization: credentials are not configured inline; use an exchanger stage");
}

Status HeadersStage::onRequest(Request& request) {
  for (const auto& name : remove_) request.removeHeader(name);
  for (const auto& [name, value] : set_) request.setHeader(name, value);
  if (identityHeaders_.empty()) return Status::Continue;
  // Whatever the client sent under these names is not believed, set or not below.
  for (const auto& [header, source] : identityHeaders_) request.removeHeader(header);
  auto identity = request.identity();
  if (!identity) return Status::Continue;
  json::Value claims = json::parse(identity->claimsJson.empty() ? std::string_view("{}") : identity->claimsJson);
  for (const auto& [header, source] : identityHeaders_) {
    if (source == "subject") {
      request.setHeader(header, identity->subject);
    } else if (const json::Value* claim = claims.find(source.substr(6))) {
      std::string text = claimText(*claim);
      if (!text.empty()) request.setHeader(header, text);
    }
  }
  return Status::Continue;
}

Status HeadersStage::onResponse(Request& request) {
  for (const auto& name : responseRemove_) request.removeResponseHeader(name);
  for (const auto& [name, value] : responseSet_) request.setResponseHeader(name, value);
  return Status::Continue;
}

}  // namespace moat::plugins

MOAT_FILTER_PLUGIN(MOAT_KIND_STAGE, "stage-headers", "0.1.0",
                   "sets and removes request and response headers; passes identity fields upstream when configured",
                   moat::plugins::HeadersStage)
