// `iop run` SIGKILLed at random points while 30 gateway CRs reconcile, ten times over: the
// operator keeps its state only in the cluster, so whatever a kill interrupted (an apply, a
// status write, a prune, a finalizer) the next process finishes it, and nothing is duplicated,
// lost or leaked. The random delays are seeded; the seed is printed (IOP_FAULT_SEED replays it).
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <random>

#include "test/integration/fault/fault_test_support.h"

using namespace iop::fault::testing;

TEST_CASE(
    "iop run SIGKILLed ten times while 30 CRs reconcile converges with nothing lost, duplicated or leaked",
    "[fault][sigkill]") {
  const char* fixed = std::getenv("IOP_FAULT_SEED");
  const unsigned seed = fixed ? static_cast<unsigned>(std::stoul(fixed)) : std::random_device{}();
  std::cout << "sigkill fault test seed: " << seed << " (IOP_FAULT_SEED=" << seed << " replays it)"
            << std::endl;
  INFO("seed " << seed);
  std::mt19937 rng(seed);

  auto admin = adminClient();
  TestNamespace ns(*admin, "fault-kill");
  const std::string rev = iop::test::uniqueName("kill");
  ensureCRD();
  iop::test::OperatorProcess op(operatorLaunch(iop::test::kubeconfigPath(), rev, ns.name()),
                                "fault-kill-" + rev);
  REQUIRE(op.waitReady());

  std::map<std::string, json> crs;  // the CRs that must exist at the end
  auto makeCR = [&](const std::string& name) {
    json cr = gatewayCR(ns.name(), name, rev, {{"gw-" + name, true}});
    crs[name] = cr;
    applyCR(*admin, cr);
  };
  auto names = [&] {
    std::vector<std::string> out;
    for (const auto& [n, _] : crs) out.push_back(n);
    return out;
  };

  // Five CRs converge before any kill; their objects must survive every kill untouched.
  for (int i = 0; i < 5; ++i) makeCR("stable-" + std::to_string(i));
  REQUIRE(eventually([&] { return notHealthy(*admin, ns.name(), names()).empty(); }, 60s));
  std::map<std::string, std::string> stableUIDs;
  for (const auto& [key, o] : ownedObjects(*admin, ns.name())) stableUIDs[key] = o.uid;
  REQUIRE(stableUIDs.size() >= 5 * 3);

  // Twenty-five more arrive at once; four of them are deleted while the kills go on.
  for (int i = 0; i < 25; ++i) makeCR("churn-" + std::to_string(i));
  const std::vector<std::string> doomed{"churn-3", "churn-10", "churn-17", "churn-24"};
  std::uniform_int_distribution<int> delayMs(0, 1500);
  for (int kill = 0; kill < 10; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(delayMs(rng)));
    if (kill % 3 == 0) {
      const std::string& victim = doomed[kill / 3];
      REQUIRE(admin->remove(kIstioOperatorGVK, ns.name(), victim).ok());
      crs.erase(victim);
    }
    op.signal(SIGKILL);
    REQUIRE(op.wait(10s) == 128 + SIGKILL);
    op.restart();
  }
  REQUIRE(op.waitReady());

  INFO("operator log: " << op.logPath());
  const auto live = names();
  std::vector<std::string> pending;
  bool converged = eventually(
      [&] {
        pending = notHealthy(*admin, ns.name(), live);
        return pending.empty();
      },
      90s);
  INFO("not HEALTHY: " << ::Catch::Detail::stringify(pending));
  REQUIRE(converged);
  for (const auto& gone : doomed) {
    INFO("deleted CR " << gone << " is still there (finalizer not released?)");
    CHECK(eventually([&] { return !admin->get(kIstioOperatorGVK, ns.name(), gone).ok(); }, 30s));
  }

  // Every desired object exists, owned by its CR, and nothing else carries this namespace's CRs
  // as owner: the deleted CRs' objects are gone and no object was created twice under
  // another name.
  std::map<std::string, OwnedObject> owned;
  std::set<std::string> want;
  for (const auto& [name, cr] : crs)
    for (const auto& key : desiredObjects(cr)) want.insert(key);
  REQUIRE(eventually(
      [&] {
        owned = ownedObjects(*admin, ns.name());
        return owned.size() == want.size();
      },
      30s));
  for (const auto& key : want) {
    INFO(key);
    CHECK(owned.count(key) == 1);
  }
  for (const auto& [key, o] : owned) {
    INFO(key << " is owned by " << o.owner);
    CHECK(want.count(key) == 1);
    CHECK(crs.count(o.owner) == 1);
  }
  // The objects of CRs that converged before the kills were never deleted and re-created.
  for (const auto& [key, uid] : stableUIDs) {
    INFO(key);
    REQUIRE(owned.count(key) == 1);
    CHECK(owned[key].uid == uid);
  }
  CHECK(op.running());
}
