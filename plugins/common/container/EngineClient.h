// HTTP/1.1 to the Docker Engine API over its unix socket (dockerd, or Podman's compatible
// service), with POCO's client. One connection per call: the engine is local and calls are few.
#pragma once

#include <functional>
#include <string>

#include "container/EngineSocket.h"

namespace moat::container {

class EngineClient {
 public:
  struct Response {
    int status = 0;
    std::string body;
  };

  EngineClient(Engine engine, EngineSocket socket);

  // Throws std::runtime_error with one clear line when the engine cannot be reached.
  Response call(const std::string& method, const std::string& path, const std::string& jsonBody = {}, int timeoutMs = 60'000) const;
  // Streams a response body (logs, pull progress) to `onData` until the engine ends it;
  // returns the status, with the body of an error status in `errorBody`.
  int stream(const std::string& method, const std::string& path, const std::function<void(const char*, size_t)>& onData,
             std::string& errorBody) const;
  // Sends everything readable from `fd` as a chunked body (an image tar to import).
  Response upload(const std::string& path, int fd, const std::string& contentType) const;
  // Sends an upgrade request (attach) and returns the raw connection's descriptor, now owned by
  // the caller, with any bytes the engine sent past the response headers in `leftover`.
  int hijack(const std::string& path, std::string& leftover) const;

  // Throws the one clear line ("cannot reach podman at /run/podman/podman.sock ...") when the
  // engine does not answer /_ping.
  void ping() const;

  Engine engine() const { return engine_; }
  std::string describe() const;  // "docker at /var/run/docker.sock (the default)"

 private:
  int connectOrThrow() const;

  Engine engine_;
  EngineSocket socket_;
};

// The engine's own error text ({"message": "..."}), else the status and body.
std::string engineError(const EngineClient::Response& response);


}  // namespace moat::container
