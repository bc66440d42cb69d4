// Test fakes for plugin authors: a host API table backed by plain maps, so a plugin's classes
// can be unit-tested without a running gateway. Not for production use.
#pragma once

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "moat/plugin.hpp"

namespace moat::testing {

inline std::string lowerCase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// What a fake request holds; fill it in, run the filter, inspect it.
struct FakeRequest {
  std::string id = "test-request";
  std::string method = "POST";
  std::string path = "/mcp";
  std::string body;
  std::string rpcMethod;
  std::string remoteAddress = "127.0.0.1";
  std::string serverName = "test";
  std::string resourceUrl = "http://127.0.0.1:8080/mcp";
  std::string resourceMetadataUrl = "http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp";
  std::map<std::string, std::string> headers;  // lower-case names
  std::optional<std::string> clientCredential;
  std::optional<std::pair<std::string, std::string>> identity;
  std::map<std::string, std::string> credentials;
  std::string rpcTarget;
  std::map<std::string, std::string> notes;
  std::string notesJson = "{}";  // what request_notes_json answers

  uint16_t replyStatus = 0;
  std::string replyBody;
  std::map<std::string, std::string> replyHeaders;  // lower-case names

  uint16_t responseStatus = 200;
  std::map<std::string, std::string> responseHeaders;  // lower-case names
};

class FakeHost {
 public:
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> files;
  // What the plugin logged. A plugin may log from its own threads (abi.h allows it): read it
  // through logged() while any may still run.
  std::vector<std::pair<moat_log_level, std::string>> logs;
  std::vector<std::pair<moat_log_level, std::string>> logged() const {
    std::lock_guard<std::mutex> lock(logsMutex_);
    return logs;
  }
  std::map<std::string, int64_t> counters;
  // What Host::instanceName() answers, as a host names a pipeline stage.
  std::string instanceName = "test/plugin";
  // The clocks every FakeHost reports; tests move them to exercise expiry and rate limits.
  static inline int64_t nowUnixMs = 1'700'000'000'000;
  static inline int64_t nowMonotonicMs = 1'000;
  // Answers outbound HTTP calls; the default refuses them.
  std::function<bool(const moat_http_call&, Host::HttpResponse&, std::string& error)> http =
      [](const moat_http_call&, Host::HttpResponse&, std::string& error) {
        error = "no HTTP in this test";
        return false;
      };

  FakeHost() { buildTable(); }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  Host host() { return Host(&api_, context()); }
  const moat_host_api* api() const { return &api_; }
  moat_host_context* context() { return reinterpret_cast<moat_host_context*>(this); }
  Request request(FakeRequest& r) const { return Request(&api_, reinterpret_cast<moat_request*>(&r)); }

 private:
  mutable std::mutex logsMutex_;
  static FakeHost& self(moat_host_context* c) { return *reinterpret_cast<FakeHost*>(c); }
  static FakeRequest& req(moat_request* r) { return *reinterpret_cast<FakeRequest*>(r); }
  static moat_str str(const std::string& s) { return moat_str{s.data(), s.size()}; }
  static std::string key(moat_str s) { return lowerCase(fromAbi(s)); }
  static int lookup(const std::map<std::string, std::string>& m, moat_str name, moat_str* value) {
    auto it = m.find(key(name));
    if (it == m.end()) return 0;
    *value = str(it->second);
    return 1;
  }

  void buildTable() {
    api_.struct_size = sizeof(moat_host_api);
    api_.abi_version = MOAT_ABI_VERSION;
    api_.log = [](moat_host_context* c, moat_log_level l, moat_str m) {
      std::lock_guard<std::mutex> lock(self(c).logsMutex_);
      self(c).logs.emplace_back(l, std::string(fromAbi(m)));
    };
    api_.log_enabled = [](moat_host_context*, moat_log_level) { return 1; };
    api_.now_unix_ms = [] { return nowUnixMs; };
    api_.monotonic_ms = [] { return nowMonotonicMs; };
    api_.env_get = [](moat_host_context* c, moat_str n, moat_sink* out) {
      auto it = self(c).env.find(std::string(fromAbi(n)));
      if (it == self(c).env.end()) return 0;
      writeTo(out, it->second);
      return 1;
    };
    api_.secret_file_read = [](moat_host_context* c, moat_str p, moat_sink* out, moat_sink* err) {
      auto it = self(c).files.find(std::string(fromAbi(p)));
      if (it == self(c).files.end()) { writeTo(err, "no such file"); return 0; }
      writeTo(out, it->second);
      return 1;
    };
    api_.counter_add = [](moat_host_context* c, moat_str n, int64_t d) { self(c).counters[std::string(fromAbi(n))] += d; };
    api_.http_fetch = [](moat_host_context* c, const moat_http_call* call, moat_http_result* result, moat_sink* err) {
      Host::HttpResponse response;
      std::string error;
      if (!self(c).http(*call, response, error)) { writeTo(err, error); return 0; }
      result->status = static_cast<uint16_t>(response.status);
      writeTo(&result->headers, response.headers);
      writeTo(&result->body, response.body);
      return 1;
    };
    api_.request_id = [](moat_request* r) { return str(req(r).id); };
    api_.request_method = [](moat_request* r) { return str(req(r).method); };
    api_.request_path = [](moat_request* r) { return str(req(r).path); };
    api_.request_body = [](moat_request* r) { return str(req(r).body); };
    api_.request_rpc_method = [](moat_request* r) { return str(req(r).rpcMethod); };
    api_.request_remote_address = [](moat_request* r) { return str(req(r).remoteAddress); };
    api_.request_server_name = [](moat_request* r) { return str(req(r).serverName); };
    api_.request_header_get = [](moat_request* r, moat_str n, moat_str* v) { return lookup(req(r).headers, n, v); };
    api_.request_header_set = [](moat_request* r, moat_str n, moat_str v) { req(r).headers[key(n)] = std::string(fromAbi(v)); };
    api_.request_header_remove = [](moat_request* r, moat_str n) { req(r).headers.erase(key(n)); };
    api_.request_client_credential = [](moat_request* r, moat_str* v) {
      if (!req(r).clientCredential) return 0;
      *v = str(*req(r).clientCredential);
      return 1;
    };
    api_.identity_set = [](moat_request* r, moat_str s, moat_str c) {
      req(r).identity = std::make_pair(std::string(fromAbi(s)), std::string(fromAbi(c)));
    };
    api_.identity_get = [](moat_request* r, moat_str* s, moat_str* c) {
      if (!req(r).identity) return 0;
      *s = str(req(r).identity->first);
      *c = str(req(r).identity->second);
      return 1;
    };
    api_.reply = [](moat_request* r, uint16_t status, const moat_str* names, const moat_str* values, size_t count, moat_str body) {
      req(r).replyStatus = status;
      req(r).replyBody = std::string(fromAbi(body));
      for (size_t i = 0; i < count; ++i) req(r).replyHeaders[key(names[i])] = std::string(fromAbi(values[i]));
    };
    api_.response_status = [](moat_request* r) { return req(r).responseStatus; };
    api_.response_header_get = [](moat_request* r, moat_str n, moat_str* v) { return lookup(req(r).responseHeaders, n, v); };
    api_.response_header_set = [](moat_request* r, moat_str n, moat_str v) {
      req(r).responseHeaders[key(n)] = std::string(fromAbi(v));
    };
    api_.response_header_remove = [](moat_request* r, moat_str n) { req(r).responseHeaders.erase(key(n)); };
    api_.request_resource_url = [](moat_request* r) { return str(req(r).resourceUrl); };
    api_.request_resource_metadata_url = [](moat_request* r) { return str(req(r).resourceMetadataUrl); };
    api_.request_credential_set = [](moat_request* r, moat_str n, moat_str v) {
      req(r).credentials[std::string(fromAbi(n))] = std::string(fromAbi(v));
    };
    api_.request_credential_get = [](moat_request* r, moat_str n, moat_str* v) {
      auto it = req(r).credentials.find(std::string(fromAbi(n)));
      if (it == req(r).credentials.end()) return 0;
      *v = str(it->second);
      return 1;
    };
    api_.instance_name = [](moat_host_context* c) { return str(self(c).instanceName); };
    api_.request_rpc_target = [](moat_request* r) { return str(req(r).rpcTarget); };
    api_.request_note_set = [](moat_request* r, moat_str n, moat_str v) {
      req(r).notes[std::string(fromAbi(n))] = std::string(fromAbi(v));
    };
    api_.request_note_get = [](moat_request* r, moat_str n, moat_str* v) {
      auto it = req(r).notes.find(std::string(fromAbi(n)));
      if (it == req(r).notes.end()) return 0;
      *v = str(it->second);
      return 1;
    };
    api_.request_notes_json = [](moat_request* r) { return str(req(r).notesJson); };
  }

  moat_host_api api_{};
};

}  // namespace moat::testing
