#include "gateway/RouterSwitch.h"

#include <Poco/Net/HTTPRequestHandler.h>

namespace moat::gateway {
namespace {

// The Router's handler, holding the Router for as long as the request (or its stream) lasts.
class GenerationHandler : public Poco::Net::HTTPRequestHandler {
 public:
  GenerationHandler(std::shared_ptr<Router> router, Poco::Net::HTTPRequestHandler* handler)
      : router_(std::move(router)), handler_(handler) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    handler_->handleRequest(request, response);
  }

 private:
  std::shared_ptr<Router> router_;
  // Declared last so it is destroyed first: it refers into the Router.
  std::unique_ptr<Poco::Net::HTTPRequestHandler> handler_;
};

}  // namespace

Poco::Net::HTTPRequestHandler* RouterSwitch::createRequestHandler(const Poco::Net::HTTPServerRequest& request) {
  std::shared_ptr<Router> router = current();
  Poco::Net::HTTPRequestHandler* handler = router->createRequestHandler(request);
  return holdingRouter(std::move(router), handler);
}

Poco::Net::HTTPRequestHandler* holdingRouter(std::shared_ptr<Router> router, Poco::Net::HTTPRequestHandler* handler) {
  return new GenerationHandler(std::move(router), handler);
}

std::shared_ptr<Router> RouterSwitch::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::shared_ptr<Router> RouterSwitch::replace(std::shared_ptr<Router> next) {
  std::lock_guard lock(mutex_);
  std::erase_if(known_, [](const std::weak_ptr<Router>& router) { return router.expired(); });
  known_.push_back(next);
  std::swap(current_, next);
  return next;
}

std::vector<std::shared_ptr<Router>> RouterSwitch::alive() {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Router>> routers;
  for (const auto& weak : known_)
    if (auto router = weak.lock()) routers.push_back(std::move(router));
  return routers;
}

}  // namespace moat::gateway
