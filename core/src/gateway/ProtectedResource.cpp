#include "gateway/ProtectedResource.h"

#include <Poco/Net/HTTPServerResponse.h>

#include <algorithm>

#include "moat/jsonrpc.hpp"
#include "gateway/ProxyHandler.h"
#include "log/Log.h"
#include "moat/json.hpp"

namespace moat::gateway {
namespace {

// Arrays of strings from several authenticators are united; any other member keeps the value of
// the first stage that gave one.
void mergeInto(json::Value& document, const json::Value& fields) {
  auto& members = document.mutableMembers();
  for (const auto& [name, value] : fields.members()) {
    if (name == "resource") continue;  // the gateway's to say, not a plugin's
    auto it = members.find(name);
    if (it == members.end()) {
      members[name] = value;
      continue;
    }
    if (!it->second.isArray() || !value.isArray()) continue;
    auto& items = it->second.mutableItems();
    for (const auto& item : value.items()) {
      if (!item.isString()) continue;
      bool present = std::any_of(items.begin(), items.end(),
                                 [&](const json::Value& v) { return v.isString() && v.asString() == item.asString(); });
      if (!present) items.push_back(item);
    }
  }
}

class MetadataHandler : public Poco::Net::HTTPRequestHandler {
 public:
  MetadataHandler(const Route& route, const config::ListenerConfig& listener) : route_(route), listener_(listener) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    response.set("X-Request-Id", requestIdFor(request));
    // A public document that browser-based MCP clients read across origins.
    response.set("Access-Control-Allow-Origin", "*");
    if (request.getChunkedTransferEncoding() || request.getContentLength64() > 0) response.setKeepAlive(false);
    std::string body;
    if (request.getMethod() != "GET" && request.getMethod() != "HEAD") {
      response.setStatus(Poco::Net::HTTPResponse::HTTP_METHOD_NOT_ALLOWED);
      response.set("Allow", "GET, HEAD");
      body = jsonrpc::errorBody("null", jsonrpc::kInvalidRequest, "the metadata document is read with GET");
    } else {
      body = metadataDocument(route_, resourceUrlsFor(route_.config, listener_, request).resource);
      if (body.empty()) {
        response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
        body = jsonrpc::errorBody("null", jsonrpc::kNotFound, "server " + route_.config.name + " is not protected by an authenticator");
      } else {
        response.set("Cache-Control", "max-age=300");
      }
    }
    response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    if (request.getMethod() == "HEAD") response.send();
    else response.send() << body;
  }

 private:
  const Route& route_;
  const config::ListenerConfig& listener_;
};

}  // namespace

ResourceUrls resourceUrlsFor(const config::ServerConfig& server, const config::ListenerConfig& listener,
                             const Poco::Net::HTTPServerRequest& request) {
  ResourceUrls urls;
  if (!server.resourceUrl.empty()) {
    urls.resource = server.resourceUrl;
  } else {
    std::string host = request.getHost();
    if (host.empty()) host = listener.address + ":" + std::to_string(listener.port);
    urls.resource = std::string(request.secure() ? "https://" : "http://") + host + server.path;
  }
  urls.metadata = metadataUrlFor(urls.resource);
  return urls;
}

std::string metadataUrlFor(const std::string& resourceUrl) {
  size_t scheme = resourceUrl.find("://");
  size_t pathStart = scheme == std::string::npos ? std::string::npos : resourceUrl.find('/', scheme + 3);
  std::string origin = resourceUrl.substr(0, pathStart);
  std::string path = pathStart == std::string::npos ? std::string() : resourceUrl.substr(pathStart);
  path = path.substr(0, path.find_first_of("?#"));
  if (path == "/") path.clear();
  return origin + std::string(kMetadataWellKnown) + path;
}

std::string metadataDocument(const Route& route, const std::string& resourceUrl) {
  json::Value document = json::Value::makeObject();
  bool described = false;
  for (const auto& stage : route.pipeline->stages()) {
    std::string fields = stage->resourceMetadata();
    if (fields.empty()) continue;
    try {
      json::Value parsed = json::parse(fields);
      if (!parsed.isObject()) throw std::runtime_error("not a JSON object");
      mergeInto(document, parsed);
      described = true;
    } catch (const std::exception& e) {
      log::warn("metadata", "ignoring a stage's resource metadata", {{"stage", stage->label()}, {"reason", e.what()}});
    }
  }
  if (!described) return {};
  auto& members = document.mutableMembers();
  members["resource"] = json::Value::makeString(resourceUrl);
  if (members.find("bearer_methods_supported") == members.end()) {
    json::Value methods = json::Value::makeArray();
    methods.mutableItems().push_back(json::Value::makeString("header"));
    members["bearer_methods_supported"] = methods;
  }
  if (members.find("resource_name") == members.end()) members["resource_name"] = json::Value::makeString(route.config.name);
  return json::write(document);
}

Poco::Net::HTTPRequestHandler* newMetadataHandler(const Route& route, const config::ListenerConfig& listener) {
  return new MetadataHandler(route, listener);
}

}  // namespace moat::gateway
