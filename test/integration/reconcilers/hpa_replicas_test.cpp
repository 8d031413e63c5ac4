// Replicas of an autoscaled gateway belong to its HorizontalPodAutoscaler, not to iop. The
// test cluster has no metrics server, so `kubectl scale` plays the HPA controller's part.
#include "operator_test_support.h"
#include "reconcilers/apply/applier.h"

using namespace iop::reconcilers::testing;
using iop::reconcilers::kFieldManager;

namespace {

const iop::kube::GroupVersionKind kHPA{"autoscaling", "v2", "HorizontalPodAutoscaler"};

json autoscaledGateway(const std::string& ns, const std::string& revision, const json& k8s) {
  json cr = gatewayCR(ns, "scaled", revision, {{"scaled-gw", true}});
  cr["spec"]["components"]["ingressGateways"][0]["k8s"] = k8s;
  return cr;
}

// Whether iop's field manager owns spec.replicas of the object.
bool iopOwnsReplicas(const json& object) {
  for (const auto& m : object["metadata"].value("managedFields", json::array())) {
    if (m.value("manager", "") != kFieldManager) continue;
    const json fields = m.value("fieldsV1", json::object());
    if (fields.contains("f:spec") && fields["f:spec"].contains("f:replicas")) return true;
  }
  return false;
}

std::int64_t replicas(const json& deployment) {
  return deployment.is_object() ? deployment["spec"].value("replicas", -1) : -1;
}

}  // namespace

TEST_CASE(
    "replicas set by another manager on an autoscaled gateway survive iop's re-apply; switching to a fixed "
    "replicaCount removes the HPA in the same reconcile and sets the replicas",
    "[reconciler]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-hpa");
  const std::string rev = iop::test::uniqueName("hpa");
  RunningOperator op(rev, ns.name());
  const json hpaSpec = {{"hpaSpec", {{"minReplicas", 1}, {"maxReplicas", 5}}}};
  applyCR(*admin, autoscaledGateway(ns.name(), rev, hpaSpec));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "scaled") == "HEALTHY"; }, 30s));
  REQUIRE(exists(*admin, kHPA, ns.name(), "scaled-gw"));
  CHECK(!iopOwnsReplicas(getOr(*admin, kDeployment, ns.name(), "scaled-gw")));

  kubectlOk({"-n", ns.name(), "scale", "deployment/scaled-gw", "--replicas=3"});
  REQUIRE(replicas(getOr(*admin, kDeployment, ns.name(), "scaled-gw")) == 3);

  // A spec change makes iop apply the Deployment again; the scaled replicas stay.
  json touched = hpaSpec;
  touched["podAnnotations"] = {{"example.com/touched", "1"}};
  applyCR(*admin, autoscaledGateway(ns.name(), rev, touched));
  REQUIRE(eventually(
      [&] {
        json d = getOr(*admin, kDeployment, ns.name(), "scaled-gw");
        return d.is_object() &&
               d["spec"]["template"]["metadata"]["annotations"].value("example.com/touched", "") == "1" &&
               crStatus(*admin, ns.name(), "scaled") == "HEALTHY";
      },
      30s));
  json d = getOr(*admin, kDeployment, ns.name(), "scaled-gw");
  CHECK(replicas(d) == 3);
  CHECK(!iopOwnsReplicas(d));

  // Autoscaling off, two fixed replicas, new pods: iop takes the replicas over, and the HPA goes
  // in the same reconcile, not after the rollout, which a quota holds up here.
  kubectlOk({"-n", ns.name(), "create", "quota", "hold-rollout", "--hard=pods=3"});
  json fixed = autoscaledGateway(ns.name(), rev,
                                 {{"replicaCount", 2}, {"podAnnotations", {{"example.com/touched", "2"}}}});
  fixed["spec"]["values"] = {{"gateways", {{"istio-ingressgateway", {{"autoscaleEnabled", false}}}}}};
  applyCR(*admin, fixed);
  REQUIRE(eventually([&] { return replicas(getOr(*admin, kDeployment, ns.name(), "scaled-gw")) == 2; }));
  CHECK(eventually([&] { return !exists(*admin, kHPA, ns.name(), "scaled-gw"); }, 1s));
  CHECK(
      !iop::reconcilers::workloadNotReadyReason(getOr(*admin, kDeployment, ns.name(), "scaled-gw")).empty());
  CHECK(iopOwnsReplicas(getOr(*admin, kDeployment, ns.name(), "scaled-gw")));

  kubectlOk({"-n", ns.name(), "delete", "quota", "hold-rollout"});
  CHECK(eventually([&] { return crStatus(*admin, ns.name(), "scaled") == "HEALTHY"; }, 30s));
  CHECK(replicas(getOr(*admin, kDeployment, ns.name(), "scaled-gw")) == 2);

  // And back to the HPA: the two replicas stay (the HPA's to change), never reset to one.
  auto poller = adminClient();
  std::atomic<std::int64_t> fewest{2};
  Poller poll(20ms, [&] {
    auto n = replicas(getOr(*poller, kDeployment, ns.name(), "scaled-gw"));
    if (n >= 0 && n < fewest) fewest = n;
  });
  applyCR(*admin, autoscaledGateway(ns.name(), rev,
                                    {{"hpaSpec", {{"minReplicas", 1}, {"maxReplicas", 5}}},
                                     {"podAnnotations", {{"example.com/touched", "3"}}}}));
  REQUIRE(eventually([&] { return exists(*admin, kHPA, ns.name(), "scaled-gw"); }));
  CHECK(eventually([&] { return crStatus(*admin, ns.name(), "scaled") == "HEALTHY"; }, 30s));
  poll.stop();
  CHECK(fewest == 2);
  json back = getOr(*admin, kDeployment, ns.name(), "scaled-gw");
  CHECK(replicas(back) == 2);
  CHECK(!iopOwnsReplicas(back));
}
