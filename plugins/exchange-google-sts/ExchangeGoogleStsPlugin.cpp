// exchange-google-sts: the caller's OIDC token becomes a Google access token through Workload
// or Workforce Identity Federation.
#include "GoogleStsExchanger.h"

namespace {

class ExchangeGoogleSts : public moat::exchange::GoogleStsExchanger {
 public:
  ExchangeGoogleSts(const moat::Host& host, const moat::json::Value& config)
      : GoogleStsExchanger(host, moat::exchange::readGoogleStsSettings(config, host.instanceName())) {}
};

}  // namespace

MOAT_FILTER_PLUGIN(MOAT_KIND_EXCHANGER, "exchange-google-sts", "1.0.0",
                   "exchanges an OIDC token for a Google access token (STS, Workload/Workforce Identity Federation)",
                   ExchangeGoogleSts)
