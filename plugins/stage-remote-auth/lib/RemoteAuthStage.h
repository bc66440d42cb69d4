// The pipeline stage of remote auth: every upstream request carries the developer's access
// token (Authorization: Bearer, unless inject_authorization is false), and the login's tokens
// are handed to later stages as request credentials — remote_auth_access_token and
// remote_auth_id_token — so an exchanger can trade them (subject_token: credential:NAME).
#pragma once

#include "RemoteLogin.h"
#include "moat/plugin.hpp"

namespace moat::remoteauth {

class RemoteAuthStage : public Filter {
 public:
  RemoteAuthStage(const Host& host, const json::Value& config);  // logs in before serving

  Status onRequest(Request& request) override;
  Status onResponse(Request& request) override;

 private:
  Status stepUp(Request& request, const std::string& scope);

  Host host_;
  bool inject_;
  RemoteLogin login_;
};

}  // namespace moat::remoteauth
