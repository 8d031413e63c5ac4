// Status follows the live readiness of the CR's workloads, per component, and learns of a
// change from the watch on the workloads (a healthy CR is not polled).
#include "operator_test_support.h"

using namespace iop::reconcilers::testing;

namespace {

std::string componentStatus(const json& cr, const std::string& component) {
  if (!cr.is_object() || !cr.contains("status")) return "";
  return cr["status"]
      .value("componentStatus", json::object())
      .value(component, json::object())
      .value("status", "");
}

}  // namespace

TEST_CASE(
    "status turns HEALTHY once the Deployments are available, back to RECONCILING for the component whose "
    "Deployment loses its pods, and HEALTHY again when they return",
    "[reconciler]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-ready");
  TestNamespace egress(*admin, "iop-ready-eg");
  const std::string rev = iop::test::uniqueName("rd");
  // The egress gateway goes into a namespace of its own, which the operator must allow
  // (--allowed-namespaces; by default only the CR's namespace and istio-system).
  RunningOperator op(rev, ns.name(), [&](iop::reconcilers::OperatorOptions& o) {
    o.policy.allowedNamespaces = {ns.name(), egress.name()};
  });
  json cr = gatewayCR(ns.name(), "gateways", rev, {{"ready-in", true}});
  cr["spec"]["components"]["egressGateways"] =
      json::array({{{"name", "ready-eg"}, {"enabled", true}, {"namespace", egress.name()}}});
  applyCR(*admin, cr);
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "gateways") == "HEALTHY"; }, 30s));
  json healthy = getCR(*admin, ns.name(), "gateways");
  CHECK(componentStatus(healthy, "IngressGateways") == "HEALTHY");
  CHECK(componentStatus(healthy, "EgressGateways") == "HEALTHY");
  CHECK(condition(healthy, "Ready").value("status", "") == "True");

  // No pod may start in the ingress namespace; its gateway's pod goes.
  kubectlOk({"-n", ns.name(), "create", "quota", "no-pods", "--hard=pods=0"});
  kubectlOk({"-n", ns.name(), "delete", "pods", "--all", "--grace-period=0", "--force", "--wait=false"});
  bool degraded = eventually(
      [&] {
        json now = getCR(*admin, ns.name(), "gateways");
        return componentStatus(now, "IngressGateways") == "RECONCILING" &&
               crStatus(*admin, ns.name(), "gateways") == "RECONCILING";
      },
      10s);
  json now = getCR(*admin, ns.name(), "gateways");
  INFO(now.dump());
  REQUIRE(degraded);
  CHECK(componentStatus(now, "EgressGateways") == "HEALTHY");
  json ready = condition(now, "Ready");
  CHECK(ready.value("status", "") == "False");
  CHECK(ready.value("reason", "") == "WorkloadsNotReady");
  CHECK(ready.value("message", "").find("ready-in") != std::string::npos);

  kubectlOk({"-n", ns.name(), "delete", "quota", "no-pods"});
  CHECK(eventually([&] { return crStatus(*admin, ns.name(), "gateways") == "HEALTHY"; }, 30s));
  CHECK(condition(getCR(*admin, ns.name(), "gateways"), "Ready").value("status", "") == "True");
}
