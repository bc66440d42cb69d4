#include "ClientDirectory.h"

namespace moat::audit {

void ClientDirectory::remember(const std::string& session, std::string name, std::string version) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = clients_.find(session);
  if (it != clients_.end()) {
    it->second.name = std::move(name);
    it->second.version = std::move(version);
    return;
  }
  order_.push_back(session);
  clients_.emplace(session, Client{std::move(name), std::move(version), std::prev(order_.end())});
  while (clients_.size() > capacity_) {
    clients_.erase(order_.front());
    order_.pop_front();
  }
}

std::pair<std::string, std::string> ClientDirectory::find(const std::string& session) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = clients_.find(session);
  if (it == clients_.end()) return {};
  return {it->second.name, it->second.version};
}

void ClientDirectory::forget(const std::string& session) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = clients_.find(session);
  if (it == clients_.end()) return;
  order_.erase(it->second.age);
  clients_.erase(it);
}

}  // namespace moat::audit
