// exchange-rfc8693: swaps the caller's token for one meant for the upstream (RFC 8693).
#include "exchange/Rfc8693Exchanger.h"

namespace {

class ExchangeRfc8693 : public moat::exchange::Rfc8693Exchanger {
 public:
  ExchangeRfc8693(const moat::Host& host, const moat::json::Value& config)
      : Rfc8693Exchanger(host, moat::exchange::readRfc8693Settings(host, config)) {}
};

}  // namespace

MOAT_FILTER_PLUGIN(MOAT_KIND_EXCHANGER, "exchange-rfc8693", "1.0.0",
                   "exchanges the caller's token for one meant for the upstream (RFC 8693), cached until it expires",
                   ExchangeRfc8693)
