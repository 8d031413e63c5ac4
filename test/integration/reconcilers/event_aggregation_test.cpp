// Events on an IstioOperator are aggregated: a reconcile that keeps failing the same way is one
// Event whose count grows, not an Event per attempt.
#include "operator_test_support.h"

using namespace iop::reconcilers::testing;

namespace {

const iop::kube::GroupVersionKind kEvent{"", "v1", "Event"};

std::uint64_t failedApplies(iop::kube::Client& client) {
  std::uint64_t n = 0;
  for (const auto& [key, count] : client.requestCounts())
    if (key.first == "PATCH" && key.second == 422) n += count;
  return n;
}

}  // namespace

TEST_CASE("a CR whose apply fails on every retry yields a few Events with a growing count", "[reconciler]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-events");
  const std::string rev = iop::test::uniqueName("ev");
  RunningOperator op(rev, ns.name());
  // Valid for iop, refused by the API server (422 Invalid): a priority class name that is no
  // DNS subdomain. (A node selector key that is no label key, which this used, iop now refuses
  // itself.)
  json cr = gatewayCR(ns.name(), "failing", rev, {{"failing-gw", true}});
  cr["spec"]["components"]["ingressGateways"][0]["k8s"] = {{"priorityClassName", "Not Valid!"}};
  applyCR(*admin, cr);
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "failing") == "ERROR"; }));

  // The controller retries with backoff; let it fail a good number of times.
  std::this_thread::sleep_for(6s);
  INFO(op.describeRequests());
  CHECK(failedApplies(op.client()) >= 5);

  auto events = admin->list(kEvent, ns.name(), {.fieldSelector = "involvedObject.name=failing"});
  REQUIRE(events.ok());
  json failures = json::array();
  for (const auto& e : (*events)["items"])
    if (e.value("reason", "") == "ApplyFailed") failures.push_back(e);
  INFO((*events)["items"].dump(1));
  CHECK((*events)["items"].size() <= 3);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].value("count", 0) > 1);
  CHECK(failures[0].value("message", "").find("Deployment " + ns.name() + "/failing-gw") !=
        std::string::npos);
  CHECK(failures[0].value("type", "") == "Warning");
}
