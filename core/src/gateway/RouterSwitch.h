// The handler factory the listener calls: it hands each new request to the current Router, and
// every handler keeps the Router it came from alive, so a reload switches new requests to the
// new configuration while requests and streams already in flight finish on the old one, whose
// plugin instances and upstreams are destroyed when the last of them ends.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "gateway/Router.h"

namespace moat::gateway {

class RouterSwitch : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit RouterSwitch(std::shared_ptr<Router> first) : current_(std::move(first)) { known_.push_back(current_); }

  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

  std::shared_ptr<Router> current() const;
  // New requests go to `next` from now on; returns the Router they went to before.
  std::shared_ptr<Router> replace(std::shared_ptr<Router> next);
  // Every Router still alive (the current one and those with requests in flight), oldest first.
  std::vector<std::shared_ptr<Router>> alive();

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<Router> current_;
  std::vector<std::weak_ptr<Router>> known_;
};

// A handler that keeps `router` alive while `handler`, which refers into it, serves.
Poco::Net::HTTPRequestHandler* holdingRouter(std::shared_ptr<Router> router, Poco::Net::HTTPRequestHandler* handler);

}  // namespace moat::gateway
