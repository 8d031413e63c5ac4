// Moving a gateway CR from one revision to another (spec.revision edited) while both revisions'
// operators run: the gateway is taken over in place, with no moment without it.
#include "operator_test_support.h"

using namespace iop::reconcilers::testing;
using iop::reconcilers::kFinalizer;
using iop::reconcilers::kIstioOperatorGVK;
using iop::reconcilers::kOwningResourceLabel;

namespace {

json movingGateway(const std::string& ns, const std::string& revision, const std::string& tag) {
  json cr = gatewayCR(ns, "edge", revision, {{"edge-gw", true}});
  cr["spec"]["tag"] = tag;
  return cr;
}

std::string image(const json& deployment) {
  return deployment["spec"]["template"]["spec"]["containers"][0].value("image", "");
}

}  // namespace

TEST_CASE(
    "a gateway CR moved to another revision is taken over in place by that revision's operator, its "
    "Deployment and Service present throughout",
    "[reconciler]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-move");
  const std::string r1 = iop::test::uniqueName("mv1"), r2 = iop::test::uniqueName("mv2");
  RunningOperator op1(r1, ns.name());
  RunningOperator op2(r2, ns.name());
  applyCR(*admin, movingGateway(ns.name(), r1, "1.0.0"));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "edge") == "HEALTHY"; }, 30s));
  const json before = getOr(*admin, kDeployment, ns.name(), "edge-gw");
  const json serviceBefore = getOr(*admin, kService, ns.name(), "edge-gw");
  REQUIRE(before.is_object());
  REQUIRE(serviceBefore.is_object());
  CHECK(label(before["spec"]["template"], "istio.io/rev") == r1);
  CHECK(image(before).find(":1.0.0") != std::string::npos);
  // Let the first operator finish what the install set off (status, events).
  std::this_thread::sleep_for(1s);
  const auto op1Writes = op1.writes();

  // Both objects are polled on their own client while the move happens; a GET that finds
  // either missing or being deleted is a gap in service.
  auto poller = adminClient();
  std::atomic<int> gaps{0};
  std::atomic<bool> sawR1{false}, sawR2{false};  // the template's revision label, as polled
  std::string gapSeen;
  std::mutex gapMu;
  Poller poll(25ms, [&] {
    for (const auto* gvk : {&kDeployment, &kService}) {
      auto r = poller->get(*gvk, ns.name(), "edge-gw");
      bool gone = !r ? iop::kube::isNotFound(r.error()) : (*r)["metadata"].contains("deletionTimestamp");
      if (gone) {
        ++gaps;
        std::lock_guard lock(gapMu);
        gapSeen = gvk->kind;
      } else if (r && gvk == &kDeployment) {
        std::string rev = label((*r)["spec"]["template"], "istio.io/rev");
        if (rev == r1) sawR1 = true;
        if (rev == r2) sawR2 = true;
      }
    }
  });
  REQUIRE(eventually([&] { return poll.rounds() > 0; }));

  applyCR(*admin, movingGateway(ns.name(), r2, "2.0.0"));
  const std::int64_t generation = getCR(*admin, ns.name(), "edge")["metadata"]["generation"];
  bool moved = eventually(
      [&] {
        json cr = getCR(*admin, ns.name(), "edge");
        json d = getOr(*admin, kDeployment, ns.name(), "edge-gw");
        return d.is_object() && label(d["spec"]["template"], "istio.io/rev") == r2 &&
               cr["status"].value("observedGeneration", 0) == generation &&
               cr["status"].value("status", "") == "HEALTHY";
      },
      30s);
  // The poller saw both sides of the move.
  CHECK(eventually([&] { return sawR1 && sawR2; }));
  poll.stop();
  INFO(getCR(*admin, ns.name(), "edge").dump());
  REQUIRE(moved);
  INFO("gap in " << gapSeen);
  CHECK(gaps == 0);

  const json after = getOr(*admin, kDeployment, ns.name(), "edge-gw");
  const json serviceAfter = getOr(*admin, kService, ns.name(), "edge-gw");
  CHECK(after["metadata"]["uid"] == before["metadata"]["uid"]);
  CHECK(serviceAfter["metadata"]["uid"] == serviceBefore["metadata"]["uid"]);
  CHECK(image(after).find(":2.0.0") != std::string::npos);
  for (const json* o : {&after, &serviceAfter}) {
    CHECK(label(*o, kOwningResourceLabel) == "edge");  // still the same CR's
    CHECK(label(*o, "istio.io/rev") == r2);
  }
  json cr = getCR(*admin, ns.name(), "edge");
  CHECK(cr["metadata"]["finalizers"] == json::array({kFinalizer}));
  // The first operator wrote nothing: no prune, no uninstall, no status, no event.
  INFO(op1.describeRequests());
  CHECK(op1.writes() == op1Writes);

  // Deleting the CR is now the second operator's business: its finalizer removes the gateway.
  REQUIRE(admin->remove(kIstioOperatorGVK, ns.name(), "edge").ok());
  CHECK(eventually([&] { return !getCR(*admin, ns.name(), "edge").is_object(); }));
  CHECK(!exists(*admin, kDeployment, ns.name(), "edge-gw"));
  CHECK(!exists(*admin, kService, ns.name(), "edge-gw"));
}
