// A reconcile that brings up new workloads and prunes old ones deletes the old ones only once
// the new ones are available, or once a bounded wait has passed.
#include "operator_test_support.h"
#include "reconcilers/apply/applier.h"

using namespace iop::reconcilers::testing;
using iop::reconcilers::workloadNotReadyReason;
using Clock = std::chrono::steady_clock;

namespace {

// Watches one gateway being swapped for another: when the new Deployment was first seen
// available, and when the old one was first seen gone.
struct Swap {
  std::mutex mu;  // guards the two times
  std::optional<Clock::time_point> newAvailable, oldGone;

  void observe(iop::kube::Client& client, const std::string& ns, const std::string& oldName,
               const std::string& newName) {
    json fresh = getOr(client, kDeployment, ns, newName);
    bool available = fresh.is_object() && workloadNotReadyReason(fresh).empty();
    auto old = client.get(kDeployment, ns, oldName);
    bool gone = !old && iop::kube::isNotFound(old.error());
    std::lock_guard lock(mu);
    if (available && !newAvailable) newAvailable = Clock::now();
    if (gone && !oldGone) oldGone = Clock::now();
  }
  bool sawOldGone() {
    std::lock_guard lock(mu);
    return oldGone.has_value();
  }
};

}  // namespace

TEST_CASE("a gateway replaced by another in one edit is deleted only once its replacement is available",
          "[reconciler]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-swap");
  const std::string rev = iop::test::uniqueName("sw");
  // A wait far longer than the test: the old gateway can only go because the new one is ready.
  RunningOperator op(rev, ns.name(), [](auto& o) { o.pruneWait = std::chrono::minutes(5); });
  applyCR(*admin, gatewayCR(ns.name(), "gw", rev, {{"gw-old", true}}));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "gw") == "HEALTHY"; }, 30s));

  auto poller = adminClient();
  Swap swap;
  Poller poll(20ms, [&] { swap.observe(*poller, ns.name(), "gw-old", "gw-new"); });
  applyCR(*admin, gatewayCR(ns.name(), "gw", rev, {{"gw-old", false}, {"gw-new", true}}));
  REQUIRE(eventually([&] { return swap.sawOldGone(); }, 30s));
  poll.stop();
  std::lock_guard lock(swap.mu);
  REQUIRE(swap.newAvailable);
  REQUIRE(swap.oldGone);
  CHECK(*swap.newAvailable <= *swap.oldGone);
  CHECK(!exists(*admin, kService, ns.name(), "gw-old"));
  CHECK(eventually([&] { return crStatus(*admin, ns.name(), "gw") == "HEALTHY"; }));
}

TEST_CASE(
    "a gateway replaced by one that cannot become available is deleted after the bounded prune wait, not "
    "before",
    "[reconciler]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-swapwait");
  const std::string rev = iop::test::uniqueName("sv");
  const auto wait = 4s;
  RunningOperator op(rev, ns.name(), [&](auto& o) { o.pruneWait = wait; });
  applyCR(*admin, gatewayCR(ns.name(), "gw", rev, {{"gw-old", true}}));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "gw") == "HEALTHY"; }, 30s));
  // The new gateway's pods are refused; the old one's keep running.
  kubectlOk({"-n", ns.name(), "create", "quota", "no-pods", "--hard=pods=0"});

  auto poller = adminClient();
  Swap swap;
  Poller poll(20ms, [&] { swap.observe(*poller, ns.name(), "gw-old", "gw-new"); });
  const auto edited = Clock::now();
  applyCR(*admin, gatewayCR(ns.name(), "gw", rev, {{"gw-old", false}, {"gw-new", true}}));
  json reconciled;
  bool waiting = eventually([&] {
    reconciled = condition(getCR(*admin, ns.name(), "gw"), "Reconciled");
    return reconciled.value("reason", "") == "PruneWaiting";
  });
  REQUIRE(eventually([&] { return swap.sawOldGone(); }, 20s));
  poll.stop();
  CHECK(waiting);
  if (waiting)
    CHECK(reconciled.value("message", "").find("Deployment " + ns.name() + "/gw-old") != std::string::npos);
  std::lock_guard lock(swap.mu);
  REQUIRE(swap.oldGone);
  CHECK(!swap.newAvailable);
  CHECK(*swap.oldGone - edited >= wait);
  CHECK(*swap.oldGone - edited < wait + 10s);
  CHECK(exists(*admin, kDeployment, ns.name(), "gw-new"));
}
