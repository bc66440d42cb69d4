// Rewrites the JSON-RPC messages of one answer on their way to the client, whether the answer
// is one JSON body or an event stream. A JSON body is held until it is complete; an event stream
// goes out event by event, each message rewritten as its event completes, so progress
// notifications before the result are not held back.
#pragma once

#include <functional>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

namespace moat::gateway {

// Rewrites one JSON-RPC message in place; false leaves it as it was.
using MessageRewrite = std::function<bool(std::string& message)>;

enum class AnswerFormat { Json, EventStream, Other };
AnswerFormat answerFormat(std::string_view contentType);

// A whole body at once (an answer that was read in full).
std::string rewriteAnswer(const std::string& body, AnswerFormat format, const MessageRewrite& rewrite);

class AnswerRewriter : public std::streambuf {
 public:
  // `sink` receives the rewritten answer. A JSON body larger than `limit` is not passed on:
  // `tooLarge` is sent in its place, so nothing outside the rewrite reaches the client.
  AnswerRewriter(std::ostream& sink, AnswerFormat format, MessageRewrite rewrite, size_t limit, std::string tooLarge);
  // Sends what is held: the rewritten JSON body, or an unfinished last event as it is.
  void finish();

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* data, std::streamsize n) override;
  int sync() override;

 private:
  void take(std::string_view bytes);
  void passCompleteEvents();

  std::ostream& sink_;
  AnswerFormat format_;
  MessageRewrite rewrite_;
  size_t limit_;
  std::string tooLarge_;
  std::string held_;
  bool overLimit_ = false;
  bool finished_ = false;
};

}  // namespace moat::gateway
