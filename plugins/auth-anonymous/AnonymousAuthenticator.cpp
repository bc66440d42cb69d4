// auth-anonymous: gives every request the same identity, so stages that expect one (audit,
// session binding) work in development. Logs at startup that it is not for production.
#include "moat/plugin.hpp"
#include "moat/settings.hpp"

namespace {

class AnonymousAuthenticator : public moat::Filter {
 public:
  AnonymousAuthenticator(const moat::Host& host, const moat::json::Value& config)
      : subject_(config.stringOr("subject", "anonymous")) {
    moat::settings::checkKeys(config, {"subject"}, host.instanceName());
    if (subject_.empty()) throw std::runtime_error("subject: must not be empty");
    host.warn("auth-anonymous lets every request in as '" + subject_ + "': for development only, not for production");
  }
  moat::Status onRequest(moat::Request& request) override {
    request.setIdentity(subject_, "{\"auth\":\"anonymous\"}");
    return moat::Status::Continue;
  }

 private:
  std::string subject_;
};

}  // namespace

MOAT_FILTER_PLUGIN(MOAT_KIND_AUTHENTICATOR, "auth-anonymous", "1.0.0", "lets every request in under one fixed identity (development)",
                   AnonymousAuthenticator)
