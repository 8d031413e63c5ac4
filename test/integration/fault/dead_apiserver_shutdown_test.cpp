// SIGTERM to `iop run` after kube-apiserver died (killed, or frozen so that connections hang
// mid-request): the operator still stops cleanly, with status 0, within its documented grace
// period, and its log says what the shutdown waited for. On a cluster of this test's own, since
// the apiserver is killed and frozen.
#include <signal.h>

#include <fstream>

#include "test/integration/fault/fault_test_support.h"
#include "test/support/own_cluster.h"

using namespace iop::fault::testing;

namespace {

// What `iop run --help` promises: exit within this long after SIGTERM, whatever the API server does.
constexpr auto kGracePeriod = 15s;

pid_t apiserverPid(const iop::test::OwnCluster& cluster) {
  std::ifstream in(cluster.dir() + "/pids/kube-apiserver.pid");
  pid_t pid = -1;
  in >> pid;
  REQUIRE(pid > 0);
  return pid;
}

// Runs an operator (leader election on, so the lease release is part of its shutdown) until it
// has made `cr` HEALTHY and, when `churn`, has more CRs to reconcile; then applies `fault` to
// the apiserver and sends SIGTERM. Returns the exit code (-1: still running after the grace
// period) and how long it took.
std::pair<int, std::chrono::milliseconds> termAfter(const iop::test::OwnCluster& cluster,
                                                    iop::kube::Client& admin, const std::string& ns,
                                                    const std::string& rev, bool churn,
                                                    const std::function<void()>& fault, std::string& log) {
  iop::test::OperatorProcess op(operatorLaunch(cluster.kubeconfig(), rev, ns, ns, "shutdown-" + rev),
                                "fault-shutdown-" + rev);
  REQUIRE(op.waitReady(30s));
  INFO("operator log: " << op.logPath());
  const std::string first = "first-" + rev;
  applyCR(admin, gatewayCR(ns, first, rev, {{"gw-" + first, true}}));
  REQUIRE(eventually([&] { return crStatus(admin, ns, first) == "HEALTHY"; }, 60s));
  if (churn) {
    // Workers are busy when the apiserver goes away: their requests are in flight or queued.
    for (int i = 0; i < 6; ++i) {
      const std::string name = "churn-" + rev + "-" + std::to_string(i);
      applyCR(admin, gatewayCR(ns, name, rev, {{"gw-" + name, true}}));
    }
    std::this_thread::sleep_for(300ms);
  }
  fault();
  std::this_thread::sleep_for(500ms);
  auto sent = std::chrono::steady_clock::now();
  op.signal(SIGTERM);
  int code = op.wait(kGracePeriod);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent);
  log = op.log();
  if (code < 0) op.signal(SIGKILL);
  return {code, took};
}

}  // namespace

TEST_CASE("iop run given SIGTERM after kube-apiserver died or froze exits 0 within its grace period",
          "[fault][apiserver][shutdown]") {
  iop::test::OwnCluster cluster;
  REQUIRE(iop::test::run({"kubectl", "--kubeconfig", cluster.kubeconfig(), "apply", "--server-side", "-f",
                          std::string(IOP_SOURCE_DIR) + "/crds/istiooperator.yaml"})
              .exitCode == 0);
  REQUIRE(
      iop::test::run({"kubectl", "--kubeconfig", cluster.kubeconfig(), "wait", "--for=condition=Established",
                      "--timeout=30s", "crd/istiooperators.install.istio.io"})
          .exitCode == 0);
  auto admin = clientFor(adminConfig(cluster.kubeconfig()));
  TestNamespace ns(*admin, "fault-term");
  std::string log;

  // Frozen first (SIGSTOP): the kernel still accepts connections, nothing answers, and every
  // request in flight hangs with its socket open. Thawed afterwards for the next part.
  const pid_t frozen = apiserverPid(cluster);
  auto [frozenCode, frozenTook] = termAfter(
      cluster, *admin, ns.name(), "frozen", true, [&] { REQUIRE(::kill(frozen, SIGSTOP) == 0); }, log);
  ::kill(frozen, SIGCONT);
  INFO("frozen apiserver: exit " << frozenCode << " after " << frozenTook.count() << " ms; log:\n" << log);
  CHECK(frozenCode == 0);
  CHECK(log.find("manager: stopped") != std::string::npos);
  // The shutdown says what it waited for.
  CHECK(log.find("manager: stopping: waiting for") != std::string::npos);

  // Killed (SIGKILL): connections reset, new ones refused.
  REQUIRE(eventually([&] { return admin->get(kIstioOperatorGVK, ns.name(), "first-frozen").ok(); }, 30s));
  const pid_t killed = apiserverPid(cluster);
  auto [killedCode, killedTook] = termAfter(
      cluster, *admin, ns.name(), "killed", false, [&] { REQUIRE(::kill(killed, SIGKILL) == 0); }, log);
  INFO("killed apiserver: exit " << killedCode << " after " << killedTook.count() << " ms; log:\n" << log);
  CHECK(killedCode == 0);
  CHECK(log.find("manager: stopped") != std::string::npos);
  CHECK(log.find("release") != std::string::npos);  // it tried to release the lease, and said how it went

  // The cluster's own teardown needs a live apiserver to stop in order; TestNamespace too.
  REQUIRE(cluster.restartApiserver(0).exitCode == 0);
}
