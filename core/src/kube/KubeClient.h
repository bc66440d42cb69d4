// A small client for the Kubernetes API: JSON requests, server-side apply, merge patches and
// watch streams over HTTPS, with the credentials of a ClusterAccess.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>

#include "kube/ClusterAccess.h"
#include "moat/json.hpp"

namespace moat::kube {

// A kind of object the API serves: "" group for the core API ("/api/v1").
struct ResourceType {
  std::string group, version, plural, kind;
  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // The collection ("…/namespaces/NS/PLURAL"), or one object when `name` is given.
  std::string path(const std::string& ns, const std::string& name = "") const;
};

// The API answered with an error status; `reason` is its Status reason (NotFound, Forbidden,
// Conflict, AlreadyExists, Invalid, Expired, …) and the message is the server's.
struct ApiError : std::runtime_error {
  ApiError(int status, std::string reason, const std::string& message)
      : std::runtime_error(message), status(status), reason(std::move(reason)) {}
  int status;
  std::string reason;
};

// The API server could not be reached or broke off.
struct TransportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class KubeClient {
 public:
  explicit KubeClient(ClusterAccess access, int timeoutMs = 10000);

  json::Value get(const std::string& path) const;
  json::Value create(const std::string& path, const json::Value& object) const;
  // Server-side apply of `object` as field manager `manager`, taking over conflicting fields.
  json::Value apply(const std::string& path, const json::Value& object, const std::string& manager) const;
  json::Value mergePatch(const std::string& path, const json::Value& patch) const;
  json::Value update(const std::string& path, const json::Value& object) const;
  // Deletes the object; returns false when it was already gone (404).
  bool remove(const std::string& path) const;

  // Streams `path` (which must ask for ?watch=1…) and hands each event to `onEvent` until it
  // returns false or the server ends the stream. Throws TransportError or ApiError.
  void watch(const std::string& path, const std::function<bool(const json::Value& event)>& onEvent) const;

  const std::string& defaultNamespace() const { return access_.defaultNamespace; }
  const std::string& server() const { return access_.server; }

 private:
  struct Response {
    int status = 0;
    std::string body;
  };
  std::unique_ptr<Poco::Net::HTTPClientSession> openSession() const;
  // A request with the headers every call carries, the bearer token (re-read from its file) included.
  Poco::Net::HTTPRequest newRequest(const std::string& method, const std::string& path) const;
  Response call(const std::string& method, const std::string& path, const std::string& body, const std::string& contentType) const;
  json::Value expectOk(const Response& response) const;

  ClusterAccess access_;
  int timeoutMs_;
  struct Tls;
  std::shared_ptr<Tls> tls_;
};

}  // namespace moat::kube
