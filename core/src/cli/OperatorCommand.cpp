#include "cli/OperatorCommand.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "config/Units.h"
#include "kube/ClusterAccess.h"
#include "kube/KubeClient.h"
#include "log/Log.h"
#include "operator/Controller.h"
#include "operator/LeaderElection.h"

namespace moat::cli {
namespace {

std::atomic<bool> stopRequested{false};

void requestStop(int) { stopRequested = true; }

std::string defaultGatewayImage() {
  if (const char* image = std::getenv("MOAT_GATEWAY_IMAGE"); image && *image) return image;
  return std::string("ghcr.io/moat-dev/moat:") + MOAT_VERSION;
}

}  // namespace

CommandSpec operatorSpec() {
  return {"operator", "run the Kubernetes controller for MCPServer resources (moat.dev/v1alpha1)",
          "moat operator [--kubeconfig FILE] [--namespace NS] [--gateway-image IMAGE] [--leader-elect]",
          {{"kubeconfig", "FILE", "the cluster to manage (default: $KUBECONFIG, the pod's service account, ~/.kube/config)"},
           {"context", "NAME", "the kubeconfig context (default: its current-context)"},
           {"namespace", "NS", "watch only this namespace (default: every namespace)"},
           {"gateway-image", "IMAGE", "the moat image gateway pods run (default: $MOAT_GATEWAY_IMAGE, else this version's)"},
           {"leader-elect", "", "take the moat-operator Lease before acting, so one replica of several reconciles"},
           {"leader-election-namespace", "NS", "the Lease's namespace (default: the kubeconfig's or the pod's namespace)"},
           {"resync", "DURATION", "reconcile every MCPServer this often even without events (default 10m)"},
           {"log-format", "text|json", "log line format (default text)"},
           {"log-level", "LEVEL", "trace, debug, info, warn or error (default info)"}}};
}

int runOperator(const Args& args) {
  log::Format format = log::Format::Text;
  log::Level level = log::Level::Info;
  if (auto text = args.get("log-format"); text && !log::parseFormat(*text, format)) throw UsageError("--log-format: text or json");
  if (auto text = args.get("log-level"); text && !log::parseLevel(*text, level)) throw UsageError("--log-level: trace, debug, info, warn or error");
  log::configure(format, level);

  op::ControllerOptions options;
  options.ns = args.get("namespace").value_or("");
  options.gatewayImage = args.get("gateway-image").value_or(defaultGatewayImage());
  if (auto text = args.get("resync")) {
    auto ms = config::parseDurationMs(*text);
    if (!ms || *ms < 1000) throw UsageError("--resync: a duration of at least 1s, e.g. 10m");
    options.resync = std::chrono::seconds(*ms / 1000);
  }
  kube::ClusterAccess access;
  try {
    access = kube::resolveAccess(args.get("kubeconfig").value_or(""), args.get("context").value_or(""));
  } catch (const kube::AccessError& e) {
    std::fprintf(stderr, "moat operator: %s\n", e.what());
    return 1;
  }
  std::signal(SIGTERM, requestStop);
  std::signal(SIGINT, requestStop);
  std::signal(SIGPIPE, SIG_IGN);
  const kube::KubeClient api(access);
  log::info("operator", "starting", {{"server", api.server()}, {"namespace", options.ns.empty() ? "*" : options.ns},
                                     {"gateway_image", options.gatewayImage}});

  // Outlives every thread it starts: the process ends with _exit below, never by unwinding it.
  op::Controller controller(api, options);
  int status = 0;
  if (args.has("leader-elect")) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    op::LeaderElection election(api, args.get("leader-election-namespace").value_or(access.defaultNamespace), "moat-operator",
                                std::string(host) + "_" + std::to_string(::getpid()));
    if (election.acquire(stopRequested)) {
      std::atomic<bool> stopController{false};
      std::thread loop([&] { controller.run(stopController); });
      // Losing the lease ends the process: the Deployment starts a fresh one that waits its turn,
      // and no two replicas ever act at once.
      status = election.holdUntil(stopRequested) ? 0 : 1;
      stopController = true;
      loop.join();
    }
  } else {
    controller.run(stopRequested);
  }
  log::info("operator", "stopped");
  std::fflush(nullptr);
  // Watch threads may be blocked in a read; nothing of theirs needs to outlive the process.
  ::_exit(status);
}

}  // namespace moat::cli
