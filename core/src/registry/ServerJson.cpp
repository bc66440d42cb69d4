#include "registry/ServerJson.h"

namespace moat::registry {
namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) { throw RegistryError(where + ": " + what); }

std::string stringAt(const json::Value& object, const std::string& key, const std::string& where, bool required) {
  const json::Value* value = object.find(key);
  if (!value || value->isNull()) {
    if (required) fail(where + "." + key, "is required");
    return "";
  }
  if (!value->isString()) fail(where + "." + key, "must be a string");
  return value->asString();
}

std::optional<std::string> optionalString(const json::Value& object, const std::string& key, const std::string& where) {
  if (!object.find(key)) return std::nullopt;
  return stringAt(object, key, where, false);
}

bool flagAt(const json::Value& object, const std::string& key, const std::string& where) {
  const json::Value* value = object.find(key);
  if (!value || value->isNull()) return false;
  if (value->type() != json::Value::Type::Bool) fail(where + "." + key, "must be true or false");
  return value->asBool();
}

const std::vector<json::Value>& arrayAt(const json::Value& object, const std::string& key, const std::string& where) {
  static const std::vector<json::Value> none;
  const json::Value* value = object.find(key);
  if (!value || value->isNull()) return none;
  if (!value->isArray()) fail(where + "." + key, "must be an array");
  return value->items();
}

void requireObject(const json::Value& value, const std::string& where) {
  if (!value.isObject()) fail(where, "must be an object");
}

std::vector<Argument> argumentsAt(const json::Value& object, const std::string& key, const std::string& where) {
  std::vector<Argument> out;
  const auto& items = arrayAt(object, key, where);
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string at = where + "." + key + "[" + std::to_string(i) + "]";
    requireObject(items[i], at);
    Argument argument;
    argument.type = stringAt(items[i], "type", at, true);
    if (argument.type != "positional" && argument.type != "named") fail(at + ".type", "must be positional or named, not " + argument.type);
    argument.name = stringAt(items[i], "name", at, argument.type == "named");
    argument.value = optionalString(items[i], "value", at);
    argument.defaultValue = optionalString(items[i], "default", at);
    argument.valueHint = stringAt(items[i], "valueHint", at, false);
    argument.description = stringAt(items[i], "description", at, false);
    argument.isRequired = flagAt(items[i], "isRequired", at);
    const json::Value* variables = items[i].find("variables");
    argument.hasVariables = variables && variables->isObject() && !variables->members().empty();
    out.push_back(std::move(argument));
  }
  return out;
}

Package packageAt(const json::Value& value, const std::string& at) {
  requireObject(value, at);
  Package package;
  package.registryType = stringAt(value, "registryType", at, true);
  package.identifier = stringAt(value, "identifier", at, true);
  package.version = stringAt(value, "version", at, false);
  package.runtimeHint = stringAt(value, "runtimeHint", at, false);
  const json::Value* transport = value.find("transport");
  if (!transport) fail(at + ".transport", "is required");
  requireObject(*transport, at + ".transport");
  package.transport = stringAt(*transport, "type", at + ".transport", true);
  if (package.transport != "stdio" && package.transport != "streamable-http" && package.transport != "sse")
    fail(at + ".transport.type", "must be stdio, streamable-http or sse, not " + package.transport);
  package.transportUrl = stringAt(*transport, "url", at + ".transport", package.transport != "stdio");
  package.runtimeArguments = argumentsAt(value, "runtimeArguments", at);
  package.packageArguments = argumentsAt(value, "packageArguments", at);
  const auto& variables = arrayAt(value, "environmentVariables", at);
  for (size_t i = 0; i < variables.size(); ++i) {
    const std::string vat = at + ".environmentVariables[" + std::to_string(i) + "]";
    requireObject(variables[i], vat);
    EnvironmentVariable variable;
    variable.name = stringAt(variables[i], "name", vat, true);
    variable.description = stringAt(variables[i], "description", vat, false);
    variable.value = optionalString(variables[i], "value", vat);
    variable.defaultValue = optionalString(variables[i], "default", vat);
    variable.isRequired = flagAt(variables[i], "isRequired", vat);
    variable.isSecret = flagAt(variables[i], "isSecret", vat);
    package.environment.push_back(std::move(variable));
  }
  return package;
}

}  // namespace

std::string ServerEntry::shortName() const {
  size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

ServerEntry parseServerJson(const json::Value& document, const std::string& source) {
  const std::string at = "server";
  requireObject(document, at);
  ServerEntry entry;
  entry.source = source;
  entry.name = stringAt(document, "name", at, true);
  if (entry.name.find('/') == std::string::npos) fail(at + ".name", "must be NAMESPACE/NAME, not " + entry.name);
  entry.title = stringAt(document, "title", at, false);
  entry.description = stringAt(document, "description", at, true);
  entry.version = stringAt(document, "version", at, true);
  entry.websiteUrl = stringAt(document, "websiteUrl", at, false);
  if (const json::Value* repository = document.find("repository"); repository && repository->isObject())
    entry.repository = repository->stringOr("url", "");
  const auto& packages = arrayAt(document, "packages", at);
  for (size_t i = 0; i < packages.size(); ++i) entry.packages.push_back(packageAt(packages[i], at + ".packages[" + std::to_string(i) + "]"));
  const auto& remotes = arrayAt(document, "remotes", at);
  for (size_t i = 0; i < remotes.size(); ++i) {
    const std::string rat = at + ".remotes[" + std::to_string(i) + "]";
    requireObject(remotes[i], rat);
    entry.remotes.push_back(Remote{stringAt(remotes[i], "type", rat, true), stringAt(remotes[i], "url", rat, true)});
  }
  if (entry.packages.empty() && entry.remotes.empty()) fail(at, "lists neither packages nor remotes");
  if (const json::Value* meta = document.find("_meta"); meta && meta->isObject())
    if (const json::Value* permissions = meta->find("dev.moat/permissions"); permissions && permissions->isObject()) {
      entry.egressDeclared = true;
      const std::string pat = at + "._meta[\"dev.moat/permissions\"]";
      for (const auto& rule : arrayAt(*permissions, "egress", pat)) {
        if (!rule.isString()) fail(pat + ".egress", "must list HOST:PORT strings");
        entry.egress.push_back(rule.asString());
      }
    }
  return entry;
}

}  // namespace moat::registry
