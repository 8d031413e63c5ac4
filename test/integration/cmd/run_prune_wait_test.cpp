// `iop run --prune-wait`: a gateway replaced by one whose pods cannot start is pruned once the
// wait given on the command line has passed, not after the 2 min default.
#include "test/integration/fault/fault_test_support.h"

using namespace iop::fault::testing;
using Clock = std::chrono::steady_clock;

TEST_CASE(
    "iop run --prune-wait 3s prunes a replaced gateway 3 s after the edit when its replacement never "
    "becomes ready",
    "[run][prune]") {
  auto admin = adminClient();
  ensureCRD();
  TestNamespace ns(*admin, "run-prunewait");
  const std::string rev = iop::test::uniqueName("pw");
  auto launch = operatorLaunch(iop::test::kubeconfigPath(), rev, ns.name());
  launch.args.insert(launch.args.end(), {"--prune-wait", "3s"});
  iop::test::OperatorProcess op(launch, "run-prune-wait-" + rev);
  REQUIRE(op.waitReady());
  INFO("operator log: " << op.logPath());

  applyCR(*admin, gatewayCR(ns.name(), "gw", rev, {{"gw-old", true}}));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "gw") == "HEALTHY"; }, 30s));
  // The new gateway's pods are refused, so only the wait can end the old one.
  kubectlOk({"-n", ns.name(), "create", "quota", "no-pods", "--hard=pods=0"});

  const auto edited = Clock::now();
  applyCR(*admin, gatewayCR(ns.name(), "gw", rev, {{"gw-old", false}, {"gw-new", true}}));
  std::string waitingMessage;
  std::optional<Clock::time_point> oldGone;
  REQUIRE(eventually(
      [&] {
        json reconciled = condition(getCR(*admin, ns.name(), "gw"), "Reconciled");
        if (reconciled.value("reason", "") == "PruneWaiting" && waitingMessage.empty())
          waitingMessage = reconciled.value("message", "");
        auto old = admin->get(kDeployment, ns.name(), "gw-old");
        if (!old && iop::kube::isNotFound(old.error())) oldGone = Clock::now();
        return oldGone.has_value();
      },
      30s));
  INFO("PruneWaiting message: " << waitingMessage);
  // The status said what it was keeping, and for at most the flag's 3 s.
  CHECK(waitingMessage.find("Deployment " + ns.name() + "/gw-old") != std::string::npos);
  auto atMost = waitingMessage.find("at most ");
  REQUIRE(atMost != std::string::npos);
  CHECK(std::stoi(waitingMessage.substr(atMost + 8)) <= 3);
  CHECK(*oldGone - edited >= 3s);
  CHECK(*oldGone - edited < 3s + 15s);
  CHECK(exists(*admin, kDeployment, ns.name(), "gw-new"));
}
