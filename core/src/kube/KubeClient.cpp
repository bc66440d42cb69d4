#include "kube/KubeClient.h"

#include <Poco/Crypto/EVPPKey.h>
#include <Poco/Crypto/X509Certificate.h>
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <fstream>
#include <memory>
#include <sstream>

namespace moat::kube {

std::string ResourceType::path(const std::string& ns, const std::string& name) const {
  std::string out = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (!ns.empty()) out += "/namespaces/" + ns;
  out += "/" + plural;
  if (!name.empty()) out += "/" + name;
  return out;
}

struct KubeClient::Tls {
  Poco::Net::Context::Ptr context;
};

namespace {

// Every certificate in a PEM bundle (a CA file may hold several).
std::vector<std::string> pemCertificates(const std::string& pem) {
  std::vector<std::string> out;
  const std::string end = "-----END CERTIFICATE-----";
  size_t from = 0;
  for (size_t at; (at = pem.find(end, from)) != std::string::npos; from = at + end.size())
    out.push_back(pem.substr(from, at + end.size() - from));
  return out;
}

std::string readTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw TransportError("cannot read the token file " + path);
  std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  return token;
}

}  // namespace

KubeClient::KubeClient(ClusterAccess access, int timeoutMs) : access_(std::move(access)), timeoutMs_(timeoutMs) {
  Poco::URI uri(access_.server);
  if (uri.getScheme() != "https" && uri.getScheme() != "http") throw AccessError("the API server address must be https:// (got " + access_.server + ")");
  if (uri.getScheme() == "http" && (!access_.token.empty() || !access_.tokenFile.empty()))
    throw AccessError("refusing to send credentials to " + access_.server + " over plain http");
  tls_ = std::make_shared<Tls>();
  Poco::Net::Context::Params params;
  params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
  params.loadDefaultCAs = access_.caPem.empty();
  tls_->context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  try {
    for (const auto& pem : pemCertificates(access_.caPem)) {
      std::istringstream in(pem);
      tls_->context->addCertificateAuthority(Poco::Crypto::X509Certificate(in));
    }
    if (!access_.clientCertPem.empty()) {
      std::istringstream cert(access_.clientCertPem), key(access_.clientKeyPem);
      tls_->context->useCertificate(Poco::Crypto::X509Certificate(cert));
      tls_->context->usePrivateKey(Poco::Crypto::EVPPKey(nullptr, &key));
    }
  } catch (const Poco::Exception& e) {
    throw AccessError("the cluster's certificates cannot be used: " + e.displayText());
  }
}

std::unique_ptr<Poco::Net::HTTPClientSession> KubeClient::openSession() const {
  Poco::URI uri(access_.server);
  if (uri.getScheme() == "https") return std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), tls_->context);
  return std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
}

Poco::Net::HTTPRequest KubeClient::newRequest(const std::string& method, const std::string& path) const {
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.set("Accept", "application/json");
  request.set("User-Agent", "moat-operator");
  std::string token = access_.tokenFile.empty() ? access_.token : readTokenFile(access_.tokenFile);
  if (!token.empty()) request.set("Authorization", "Bearer " + token);
  return request;
}

KubeClient::Response KubeClient::call(const std::string& method, const std::string& path, const std::string& body,
                                      const std::string& contentType) const {
  auto session = openSession();
  session->setTimeout(Poco::Timespan(static_cast<long>(timeoutMs_) * 1000));
  Poco::Net::HTTPRequest request = newRequest(method, path);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    request.setContentType(contentType);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  Response response;
  try {
    session->sendRequest(request) << body;
    Poco::Net::HTTPResponse head;
    std::istream& in = session->receiveResponse(head);
    response.status = head.getStatus();
    Poco::StreamCopier::copyToString(in, response.body);
  } catch (const Poco::Exception& e) {
    throw TransportError("cannot reach the API server " + access_.server + ": " + e.displayText());
  }
  return response;
}

json::Value KubeClient::expectOk(const Response& response) const {
  json::Value doc;
  try {
    doc = json::parse(response.body);
  } catch (const std::exception&) {
    if (response.status / 100 == 2) throw TransportError("the API server answered something that is not JSON");
  }
  if (response.status / 100 == 2) return doc;
  std::string reason = doc.isObject() ? doc.stringOr("reason", "") : "";
  std::string message = doc.isObject() ? doc.stringOr("message", "") : "";
  if (message.empty()) message = "HTTP " + std::to_string(response.status);
  throw ApiError(response.status, reason.empty() ? "Status" + std::to_string(response.status) : reason, message);
}

json::Value KubeClient::get(const std::string& path) const { return expectOk(call("GET", path, "", "")); }

json::Value KubeClient::create(const std::string& path, const json::Value& object) const {
  return expectOk(call("POST", path, json::write(object), "application/json"));
}

json::Value KubeClient::apply(const std::string& path, const json::Value& object, const std::string& manager) const {
  // JSON is YAML: the apply content type takes either.
  return expectOk(call("PATCH", path + "?fieldManager=" + manager + "&force=true", json::write(object), "application/apply-patch+yaml"));
}

json::Value KubeClient::mergePatch(const std::string& path, const json::Value& patch) const {
  return expectOk(call("PATCH", path, json::write(patch), "application/merge-patch+json"));
}

json::Value KubeClient::update(const std::string& path, const json::Value& object) const {
  return expectOk(call("PUT", path, json::write(object), "application/json"));
}

bool KubeClient::remove(const std::string& path) const {
  Response response = call("DELETE", path, "", "");
  if (response.status == 404) return false;
  expectOk(response);
  return true;
}

void KubeClient::watch(const std::string& path, const std::function<bool(const json::Value&)>& onEvent) const {
  auto session = openSession();
  // The server ends a watch after its timeoutSeconds; the read limit only catches a dead peer.
  session->setTimeout(Poco::Timespan(static_cast<long>(timeoutMs_) * 1000), Poco::Timespan(10, 0), Poco::Timespan(600, 0));
  Poco::Net::HTTPRequest request = newRequest("GET", path);
  try {
    session->sendRequest(request);
    Poco::Net::HTTPResponse head;
    std::istream& in = session->receiveResponse(head);
    if (head.getStatus() / 100 != 2) {
      Response response{static_cast<int>(head.getStatus()), {}};
      Poco::StreamCopier::copyToString(in, response.body);
      expectOk(response);
    }
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      json::Value event;
      try {
        event = json::parse(line);
      } catch (const std::exception&) {
        throw TransportError("the API server's watch stream broke off mid-event");
      }
      if (!onEvent(event)) return;
    }
  } catch (const Poco::Exception& e) {
    throw TransportError("the watch on " + path + " broke off: " + e.displayText());
  }
}

}  // namespace moat::kube
