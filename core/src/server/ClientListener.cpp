#include "server/ClientListener.h"

#include <Poco/Net/HTTPServerParams.h>

#include <chrono>
#include <thread>

namespace moat::gateway {

ClientListener::ClientListener(Poco::Net::ServerSocket socket, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, const Settings& settings) {
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setKeepAlive(true);
  params->setServerName("moat");
  params->setTimeout(Poco::Timespan(static_cast<long>(settings.readTimeoutMs) * 1000));
  ledger_ = std::make_unique<ConnectionLedger>(ConnectionLedger::Limits{settings.maxConnections, settings.maxConnectionsPerClient});
  service_ = std::make_unique<ConnectionService>(params, std::move(handlers), ConnectionService::Timeouts{settings.headTimeoutMs, settings.bodyTimeoutMs});
  workers_ = std::make_unique<WorkerPool>(settings.threads, settings.maxQueued, [this](std::unique_ptr<ClientConnection> connection) {
    if (service_->serve(*connection) == ConnectionService::Next::WaitForRequest) reactor_->park(std::move(connection));
  });
  reactor_ = std::make_unique<ConnectionReactor>(std::move(socket), ConnectionReactor::Timeouts{settings.headTimeoutMs, settings.keepAliveTimeoutMs},
                                                 *ledger_, [this](std::unique_ptr<ClientConnection>& connection) { return workers_->submit(connection); });
}

ClientListener::~ClientListener() {
  if (!finished_) {
    stopAccepting();
    finish(0);
  }
}

void ClientListener::start() { reactor_->start(); }

void ClientListener::stopAccepting() {
  service_->closeAfterCurrent();
  reactor_->closeIdle();
}

void ClientListener::finish(int graceMs) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(graceMs);
  while (ledger_->open() > 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ledger_->shutdownAll();
  workers_->stop();
  reactor_->stop();
  finished_ = true;
}

}  // namespace moat::gateway
