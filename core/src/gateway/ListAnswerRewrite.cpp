#include "gateway/ListAnswerRewrite.h"

#include <vector>

#include "gateway/ListItems.h"
#include "pipeline/AuthorizationGate.h"

namespace moat::gateway {

bool ListAnswerRewrite::operator()(std::string& message) const {
  json::Value answer;
  try {
    answer = json::parse(message);
  } catch (const std::exception&) {
    return false;
  }
  json::Value* items = listItems(answer, method);
  if (!items) return false;
  if (method == "tools/list" && annotations) annotations->record(session, *items);
  if (authorizers) {
    const auto [feature, operation] = core::listItemAccess(method);
    std::vector<json::Value> kept;
    for (auto& item : items->mutableItems()) {
      if (!item.isObject()) continue;
      core::AuthzQuestion question;
      question.feature = std::string(feature);
      question.operation = std::string(operation);
      question.target = itemTarget(item, method);
      if (question.target.empty()) continue;  // nothing to decide on: left out
      if (const json::Value* hints = item.find("annotations"); feature == "tool" && hints && hints->isObject())
        question.annotationsJson = json::write(*hints);
      if (authorizers->allows(*request, question)) kept.push_back(std::move(item));
    }
    items->mutableItems() = std::move(kept);
  }
  if (view && method == "tools/list") view->rewriteTools(*items);
  message = json::write(answer);
  return true;
}

}  // namespace moat::gateway
