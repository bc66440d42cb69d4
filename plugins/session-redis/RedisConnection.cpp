#include "RedisConnection.h"

#include <hiredis/hiredis.h>

#include <Poco/Net/Context.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

namespace moat::redis {
namespace {

Poco::Net::Context::Ptr tlsContext(const Settings& settings) {
  // Verified against the system store (or the given CAs); there is no switch to turn that off.
  return new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", settings.caFile, Poco::Net::Context::VERIFY_STRICT, 9,
                                settings.caFile.empty(), "ALL:!ADH:!LOW:!EXP:!MD5:@STRENGTH");
}

}  // namespace

struct Connection::Wire {
  std::unique_ptr<Poco::Net::StreamSocket> socket;
  redisReader* reader = redisReaderCreate();
  ~Wire() {
    if (reader) redisReaderFree(reader);
  }
};

Connection::Connection(const Settings& settings) : wire_(std::make_unique<Wire>()) {
  if (!wire_->reader) throw ConnectionError("out of memory");
  const Poco::Timespan timeout(settings.timeoutMs * 1000);
  try {
    Poco::Net::SocketAddress address(settings.host, settings.port);
    if (settings.tls) {
      auto plain = std::make_unique<Poco::Net::StreamSocket>();
      plain->connect(address, timeout);
      plain->setNoDelay(true);
      const std::string name = settings.serverName.empty() ? settings.host : settings.serverName;
      wire_->socket = std::make_unique<Poco::Net::SecureStreamSocket>(Poco::Net::SecureStreamSocket::attach(*plain, name, tlsContext(settings)));
    } else {
      wire_->socket = std::make_unique<Poco::Net::StreamSocket>();
      wire_->socket->connect(address, timeout);
      wire_->socket->setNoDelay(true);
    }
    wire_->socket->setReceiveTimeout(timeout);
    wire_->socket->setSendTimeout(timeout);
  } catch (const Poco::Exception& e) {
    throw ConnectionError("cannot connect to " + settings.host + ":" + std::to_string(settings.port) + ": " + e.displayText());
  }
  if (!settings.password.empty()) {
    Reply login = settings.username.empty() ? command({"AUTH", settings.password}) : command({"AUTH", settings.username, settings.password});
    // Redis's own message ("WRONGPASS invalid username-password pair"), which never holds the password.
    if (login.kind == Reply::Kind::Error) throw std::runtime_error("Redis refused the login: " + login.text);
  }
  if (settings.database != 0) {
    Reply selected = command({"SELECT", std::to_string(settings.database)});
    if (selected.kind == Reply::Kind::Error) throw std::runtime_error("Redis refused database " + std::to_string(settings.database) + ": " + selected.text);
  }
}

Connection::~Connection() = default;

Reply Connection::command(const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (auto arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* formatted = nullptr;
  const int length = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()), argv.data(), lengths.data());
  if (length < 0) throw ConnectionError("cannot format a Redis command");
  try {
    for (int sent = 0; sent < length;) {
      const int n = wire_->socket->sendBytes(formatted + sent, length - sent);
      if (n <= 0) throw ConnectionError("Redis closed the connection");
      sent += n;
    }
  } catch (const Poco::TimeoutException&) {
    redisFreeCommand(formatted);
    throw ConnectionError("Redis did not take the command in time");
  } catch (const Poco::Exception& e) {
    redisFreeCommand(formatted);
    throw ConnectionError("Redis connection failed: " + e.displayText());
  }
  redisFreeCommand(formatted);

  void* parsed = nullptr;
  char buffer[16384];
  while (!parsed) {
    if (redisReaderGetReply(wire_->reader, &parsed) != REDIS_OK) throw ConnectionError("Redis sent a reply that cannot be read");
    if (parsed) break;
    int n = 0;
    try {
      n = wire_->socket->receiveBytes(buffer, sizeof buffer);
    } catch (const Poco::TimeoutException&) {
      throw ConnectionError("Redis did not answer in time");
    } catch (const Poco::Exception& e) {
      throw ConnectionError("Redis connection failed: " + e.displayText());
    }
    if (n <= 0) throw ConnectionError("Redis closed the connection");
    if (redisReaderFeed(wire_->reader, buffer, static_cast<size_t>(n)) != REDIS_OK) throw ConnectionError("Redis sent a reply that cannot be read");
  }
  auto* reply = static_cast<redisReply*>(parsed);
  Reply out;
  switch (reply->type) {
    case REDIS_REPLY_STRING: out.kind = Reply::Kind::String; out.text.assign(reply->str, reply->len); break;
    case REDIS_REPLY_STATUS: out.kind = Reply::Kind::Status; out.text.assign(reply->str, reply->len); break;
    case REDIS_REPLY_ERROR: out.kind = Reply::Kind::Error; out.text.assign(reply->str, reply->len); break;
    case REDIS_REPLY_INTEGER: out.kind = Reply::Kind::Integer; out.integer = reply->integer; break;
    case REDIS_REPLY_ARRAY: out.kind = Reply::Kind::Array; break;
    default: out.kind = Reply::Kind::Nil; break;
  }
  freeReplyObject(reply);
  return out;
}

}  // namespace moat::redis
