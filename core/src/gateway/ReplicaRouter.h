// The internal listener's handlers: a request another replica forwards for a session that lives
// here is checked (signature, freshness, never seen before) and handed straight to the route's
// upstream. The forwarding replica has run the route's pipeline, its session check and limits.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <memory>

#include "gateway/RouterSwitch.h"
#include "replicas/ReplicaKey.h"

namespace moat::gateway {

class ReplicaRouter : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  ReplicaRouter(Poco::SharedPtr<RouterSwitch> routers, std::shared_ptr<const replicas::ReplicaKey> key, size_t bodyLimit)
      : routers_(std::move(routers)), key_(std::move(key)), bodyLimit_(bodyLimit) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

 private:
  Poco::SharedPtr<RouterSwitch> routers_;
  std::shared_ptr<const replicas::ReplicaKey> key_;
  replicas::SignatureLedger ledger_;
  size_t bodyLimit_;
};

}  // namespace moat::gateway
