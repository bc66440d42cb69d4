#include "registry/Registry.h"

#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "net/HttpFetch.h"

namespace moat::registry {
namespace {

bool isUrl(const std::string& source) { return source.rfind("http://", 0) == 0 || source.rfind("https://", 0) == 0; }

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// A server.json, an array of them, or an API list answer ({"servers": [{"server": ...}]}).
std::vector<ServerEntry> entriesIn(const json::Value& document, const std::string& source) {
  std::vector<ServerEntry> out;
  auto add = [&](const json::Value& value, const std::string& where) {
    const json::Value* server = value.find("server");
    try {
      out.push_back(parseServerJson(server && server->isObject() ? *server : value, source));
    } catch (const RegistryError& e) {
      throw RegistryError(source + ": " + where + e.what());
    }
  };
  if (document.isArray()) {
    for (size_t i = 0; i < document.items().size(); ++i) add(document.items()[i], "[" + std::to_string(i) + "] ");
  } else if (const json::Value* servers = document.find("servers"); servers && servers->isArray()) {
    for (size_t i = 0; i < servers->items().size(); ++i) add(servers->items()[i], "servers[" + std::to_string(i) + "] ");
  } else {
    add(document, "");
  }
  return out;
}

json::Value parseText(const std::string& text, const std::string& source) {
  try {
    return json::parse(text);
  } catch (const std::runtime_error& e) {
    throw RegistryError(source + ": " + e.what());
  }
}

json::Value getJson(const std::string& url) {
  net::FetchRequest request;
  request.url = url;
  request.headers.emplace_back("Accept", "application/json");
  net::FetchResponse response;
  try {
    response = net::fetch(request);
  } catch (const std::exception& e) {
    throw RegistryError("the registry at " + url + " cannot be reached: " + e.what());
  }
  if (response.status == 404) return json::Value();
  if (response.status != 200) throw RegistryError("the registry at " + url + " answered HTTP " + std::to_string(response.status));
  return parseText(response.body, url);
}

std::string baseOf(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string encoded(const std::string& text) {
  std::string out;
  Poco::URI::encode(text, "/?&=#+%", out);
  return out;
}

void merge(std::vector<ServerEntry>& into, std::vector<ServerEntry> more) {
  for (auto& entry : more) {
    auto same = std::find_if(into.begin(), into.end(), [&](const ServerEntry& e) { return e.name == entry.name; });
    if (same != into.end()) *same = std::move(entry);
    else into.push_back(std::move(entry));
  }
}

}  // namespace

Registry::Registry(const std::vector<std::string>& sources) {
  merge(local_, entriesIn(parseText(builtinServersJson(), "built-in"), "built-in"));
  for (const auto& source : sources) {
    if (isUrl(source)) {
      apis_.push_back(baseOf(source));
      continue;
    }
    std::ifstream in(source, std::ios::binary);
    if (!in) throw RegistryError(source + ": cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    merge(local_, entriesIn(parseText(text.str(), source), source));
  }
}

std::vector<ServerEntry> Registry::list() const {
  std::vector<ServerEntry> out = local_;
  for (const auto& api : apis_) merge(out, entriesIn(getJson(api + "/v0.1/servers?version=latest&limit=100"), api));
  return out;
}

std::vector<ServerEntry> Registry::search(const std::string& query) const {
  const std::string needle = lower(query);
  std::vector<ServerEntry> out;
  for (const auto& entry : local_)
    if (lower(entry.name + "\n" + entry.title + "\n" + entry.description).find(needle) != std::string::npos) out.push_back(entry);
  for (const auto& api : apis_) merge(out, entriesIn(getJson(api + "/v0.1/servers?version=latest&limit=100&search=" + encoded(query)), api));
  return out;
}

std::optional<ServerEntry> Registry::find(const std::string& name) const {
  std::optional<ServerEntry> found;
  for (const auto& entry : local_)
    if (entry.name == name) found = entry;
  for (const auto& api : apis_) {
    if (name.find('/') == std::string::npos) break;
    json::Value answer = getJson(api + "/v0.1/servers/" + encoded(name) + "/versions/latest");
    if (!answer.isNull()) {
      auto entries = entriesIn(answer, api);
      if (!entries.empty()) found = entries.front();
    }
  }
  if (found) return found;
  std::vector<ServerEntry> candidates;
  for (const auto& entry : name.find('/') == std::string::npos ? search(name) : std::vector<ServerEntry>{})
    if (entry.shortName() == name) candidates.push_back(entry);
  if (candidates.size() > 1) {
    std::string names;
    for (const auto& c : candidates) names += (names.empty() ? "" : ", ") + c.name;
    throw RegistryError(name + " is ambiguous in the registry: " + names + "; give the full name");
  }
  if (candidates.empty()) return std::nullopt;
  return candidates.front();
}

std::vector<std::string> registrySources(const std::vector<std::string>& flags) {
  std::vector<std::string> out;
  if (const char* env = std::getenv("MOAT_REGISTRY"); env && *env) {
    std::stringstream list(env);
    for (std::string item; std::getline(list, item, ',');)
      if (!item.empty()) out.push_back(item);
  }
  out.insert(out.end(), flags.begin(), flags.end());
  return out;
}

}  // namespace moat::registry
