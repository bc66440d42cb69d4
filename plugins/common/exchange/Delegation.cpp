#include "exchange/Delegation.h"

#include "crypto/Base64.h"
#include "moat/json.hpp"

namespace moat::exchange {

std::string delegationChain(std::string_view token) {
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return {};
  auto payload = crypto::base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!payload) return {};
  try {
    const json::Value claims = json::parse(*payload);
    json::Value chain = json::Value::makeArray();
    const json::Value* actor = claims.find("act");
    for (int depth = 0; actor && actor->isObject() && depth < 8; ++depth) {
      chain.mutableItems().push_back(json::Value::makeString(actor->stringOr("sub", "")));
      actor = actor->find("act");
    }
    return chain.items().empty() ? std::string() : json::write(chain);
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace moat::exchange
