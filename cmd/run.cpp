// `iop run`: the operator of one revision (what the Deployment `operator init` creates runs).
// Flags fall back to the environment the Deployment sets (REVISION, WATCH_NAMESPACE,
// LEADER_ELECTION_NAMESPACE, POD_NAME, LEADER_ELECT); the operator itself is
// reconcilers::OperatorRuntime.
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>
#include <random>

#include "cmd/cluster_flags.h"
#include "cmd/duration_flag.h"
#include "cmd/istio_operator_input.h"
#include "cmd/policy_flags.h"
#include "cmd/verbs.h"
#include "cmd/version_info.h"
#include "controller/logging.h"
#include "reconcilers/operator/operator_install.h"
#include "reconcilers/operator/operator_runtime.h"

namespace iop::cmd {
namespace {

struct RunFlags {
  ClusterFlags cluster;
  std::string revision;
  std::string watchNamespace;
  std::string leaderElectionNamespace;
  std::string podName;
  std::string leaderElect;
  // Loopback by default: /metrics says what the operator manages and how, to anyone who can
  // reach it, and has no authentication. Expose it deliberately (--metrics-bind-address :8383).
  std::string metricsAddress = "127.0.0.1:8383";
  std::string healthAddress = ":8081";
  // Reconciles wait on the API server, not on CPU: 8 at once brought 300 new CRs to HEALTHY
  // about 20% sooner than 4 on a 2-core test cluster (bench/scale.py); more gained nothing.
  int workers = 8;
  std::string pruneWait = "2m";
  std::string manifests;
  std::string logFormat = "text";
  // An operator reconciling hundreds of CRs writes thousands of objects at start; at the CLI's
  // 50 qps that alone takes minutes. The API server's priority and fairness still bounds it.
  RateLimits limits{.qps = 200, .burst = 400};
  PolicyFlags policy;
};

// Whether a bind address ("127.0.0.1:8383", "[::1]:8383", "localhost:8383") only listens on
// the loopback interface.
bool isLoopbackAddress(const std::string& address) {
  const std::string host = address.substr(0, address.rfind(':'));
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]" || host == "::1";
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

int runOperator(RunFlags f) {
  // glibc gives each thread that allocates its own arena (up to 8 per core), and the informer,
  // worker and HTTP threads each keep one with freed pages parked in it: measured, that was a
  // fifth of the operator's RSS. Two arenas keep contention low for a handful of workers.
  mallopt(M_ARENA_MAX, 2);
  // glibc raises its mmap threshold to the size of each large block freed (up to 32 MiB), so
  // after the first multi-megabyte LIST bodies every later one lands on the heap and leaves it
  // fragmented. A fixed threshold keeps large, short-lived buffers in mmap, returned at free.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  mallopt(M_TRIM_THRESHOLD, 256 * 1024);
  auto format = controller::parseLogFormat(f.logFormat);
  if (!format) {
    std::cerr << "error: --log-format " << f.logFormat << ": expected text or json\n";
    return kExitBadInput;
  }
  if (f.workers < 1) {
    std::cerr << "error: --max-concurrent-reconciles must be at least 1\n";
    return kExitBadInput;
  }
  bool leaderElect = f.leaderElect.empty() || f.leaderElect == "true" || f.leaderElect == "1";
  if (!f.leaderElect.empty() && !leaderElect && f.leaderElect != "false" && f.leaderElect != "0") {
    std::cerr << "error: --leader-elect/LEADER_ELECT " << f.leaderElect << ": expected true or false\n";
    return kExitBadInput;
  }
  auto pruneWait = parseDuration(f.pruneWait);
  if (!pruneWait) {
    std::cerr << "error: --prune-wait " << f.pruneWait
              << ": expected a duration such as 90s, 2m or 1m30s (a bare number is seconds)\n";
    return kExitBadInput;
  }
  if (f.limits.qps > 0 && f.limits.burst < 1) {
    std::cerr << "error: --kube-api-burst must be at least 1 when --kube-api-qps is above 0\n";
    return kExitBadInput;
  }
  auto policy = policyFromFlags(f.policy, true);
  if (!policy) return kExitBadInput;
  controller::setupLogging(*format, spdlog::level::info);
  if (!isLoopbackAddress(f.metricsAddress))
    spdlog::warn(
        "/metrics listens on {} without authentication: anyone who can reach that address reads it "
        "(the default is 127.0.0.1:8383)",
        f.metricsAddress);
  auto client = connect(f.cluster, f.limits);
  if (!client) return kExitFailed;

  reconcilers::OperatorOptions o;
  o.revision = f.revision == "default" ? "" : f.revision;
  o.watchNamespaces = reconcilers::splitNamespaces(f.watchNamespace);
  o.metricsAddress = f.metricsAddress;
  o.healthAddress = f.healthAddress;
  o.workers = f.workers;
  o.pruneWait = *pruneWait;
  if (!f.manifests.empty()) {
    o.manifests = manifestsFromFlag(f.manifests);
    if (!o.manifests) return kExitBadInput;
  }
  o.policy = *policy;
  // What the initial LISTs parsed and then dropped (whole responses, the fields trimmed from
  // cached objects) is free but still resident until trimmed.
  o.onCachesSynced = [] { malloc_trim(0); };
  o.iopVersion = kVersion;
  if (leaderElect) {
    controller::LeaderElectionConfig le;
    le.leaseNamespace = f.leaderElectionNamespace.empty() ? "istio-operator" : f.leaderElectionNamespace;
    le.leaseName = reconcilers::leaseName(o.revision);
    std::random_device rd;
    le.identity = (f.podName.empty() ? std::string("iop") : f.podName) + "_" + std::to_string(rd());
    if (auto bad = le.validate()) {
      std::cerr << "error: leader election: " << *bad << "\n";
      return kExitBadInput;
    }
    o.leaderElection = le;
  }
  spdlog::info("iop {} operator for revision \"{}\" watching {}", kVersion,
               o.revision.empty() ? "default" : o.revision,
               o.watchNamespaces.empty() ? std::string("all namespaces") : f.watchNamespace);
  const std::string revision = o.revision.empty() ? "default" : o.revision;
  reconcilers::OperatorRuntime runtime(*client, std::move(o));
  auto err = runtime.run();
  if (err && (runtime.manager().leaseLoss() == controller::LeaseLoss::Deleted ||
              runtime.manager().leaseLoss() == controller::LeaseLoss::Revoked)) {
    // Removal (`iop operator remove` deletes the Lease and the RBAC) is how an operator is meant
    // to end, not a crash: say so in words and exit 0, so nothing restarts or reports it.
    spdlog::info(
        "the operator of revision \"{}\" was removed ({}): exiting. `iop operator init --revision {}` "
        "installs it again.",
        revision,
        runtime.manager().leaseLoss() == controller::LeaseLoss::Deleted
            ? "its leader-election Lease was deleted"
            : "the API server refuses its ServiceAccount: " + runtime.manager().leaseLossDetail(),
        revision);
    return kExitOK;
  }
  if (err) {
    spdlog::error("operator stopped: {}", *err);
    if (err->find("grace period") != std::string::npos) std::_Exit(kExitFailed);
    return kExitFailed;
  }
  return kExitOK;
}

}  // namespace

void addRun(CLI::App& root) {
  auto f = std::make_shared<RunFlags>();
  f->revision = env("REVISION");
  f->watchNamespace = env("WATCH_NAMESPACE");
  f->leaderElectionNamespace = env("LEADER_ELECTION_NAMESPACE");
  f->podName = env("POD_NAME");
  f->leaderElect = env("LEADER_ELECT");
  auto* run = root.add_subcommand("run", "Run the operator of one revision (reconciles IstioOperator CRs)");
  addClusterFlags(*run, f->cluster);
  run->add_option("-r,--revision", f->revision,
                  "Revision to reconcile: CRs whose spec.revision is this (env REVISION; empty = default)");
  run->add_option("-n,--watch-namespace", f->watchNamespace,
                  "Comma-separated namespaces whose CRs to reconcile (env WATCH_NAMESPACE; empty = all)");
  run->add_option(
      "--leader-election-namespace", f->leaderElectionNamespace,
      "Namespace of the leader-election Lease (env LEADER_ELECTION_NAMESPACE; default istio-operator)");
  run->add_option("--pod-name", f->podName, "Identity prefix for leader election (env POD_NAME)");
  run->add_option("--leader-elect", f->leaderElect, "true or false (env LEADER_ELECT; default true)");
  run->add_option("--metrics-bind-address", f->metricsAddress,
                  "Address of /metrics (plain HTTP, no authentication: loopback unless you expose it)")
      ->capture_default_str();
  run->add_option("--health-probe-bind-address", f->healthAddress, "Address of /healthz and /readyz")
      ->capture_default_str();
  run->add_option("--max-concurrent-reconciles", f->workers,
                  "CRs reconciled at once (each waits on the API server most of its time)")
      ->capture_default_str();
  run->add_option(
      "-d,--manifests", f->manifests,
      "Istio manifests directory (charts/ and profiles/, as in Istio's release) to render every CR\n"
      "with instead of the compiled-in Istio; it overrides the CRs' spec.installPackagePath");
  run->add_option(
         "--prune-wait", f->pruneWait,
         "How long objects a CR no longer renders are kept while its new workloads are not ready, "
         "so an old gateway serves until its replacement is available (a duration: 90s, 2m, 1m30s; a "
         "bare number is seconds; 0 prunes at once)")
      ->type_name("DURATION")
      ->capture_default_str();
  run->add_option("--log-format", f->logFormat, "text or json")->capture_default_str();
  addPolicyFlags(*run, f->policy, true);
  run->add_option("--kube-api-qps", f->limits.qps,
                  "Requests per second to the API server, sustained (0 or less = no client-side limit)")
      ->capture_default_str();
  run->add_option("--kube-api-burst", f->limits.burst,
                  "Requests to the API server allowed in a burst above the qps")
      ->capture_default_str();
  run->footer(
      std::string("Examples:\n"
                  "  iop run --revision 1-8-0 --watch-namespace istio-system\n"
                  "  iop run --revision 1-8-0 --prune-wait 5m\n"
                  "  LEADER_ELECT=false iop run --kubeconfig ~/.kube/config\n\n"
                  "Shutdown: on SIGTERM or SIGINT iop run exits within 15 s, even with the API server\n"
                  "down: reconciles in flight get 5 s to finish before their API requests are\n"
                  "cancelled, then the leader-election lease is released (at most 3 s). A second\n"
                  "signal exits at once with status 1.\n\n") +
      kExitCodesHelp);
  run->callback([f] { setExitCode(runOperator(*f)); });
}

}  // namespace iop::cmd
