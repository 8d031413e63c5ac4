// What a CR may not make the operator do, against the real cluster (issue 18, classes 3 and 4):
// take over an object no IstioOperator installed (unless it opts in), while a mesh istioctl
// installed is still taken over; put objects outside the allowed namespaces; run privileged
// pods; rewrite RBAC. Every refusal names the setting responsible and applies nothing.
#include "operator_test_support.h"

using namespace iop::reconcilers::testing;
namespace kube = iop::kube;
using iop::reconcilers::kOwningResourceLabel;

namespace {

std::string reconciledMessage(kube::Client& c, const std::string& ns, const std::string& name) {
  const json cond = condition(getCR(c, ns, name), "Reconciled");  // null until the first status
  return cond.is_object() ? cond.value("message", "") : "";
}

// Every object of the kinds iop writes whose ownership labels name CR `name` in `ns`.
std::size_t ownedBy(kube::Client& c, const std::string& ns, const std::string& name) {
  std::size_t n = 0;
  for (const auto& kind : iop::reconcilers::ownedKinds()) {
    auto list = c.listAll(kind.gvk, "",
                          {.labelSelector = std::string(kOwningResourceLabel) + "=" + name + "," +
                                            iop::reconcilers::kOwningNamespaceLabel + "=" + ns});
    if (list) n += (*list)["items"].size();
  }
  return n;
}

// A gateway CR whose overlay puts its pods on the host's network: baseline pod security refuses it.
json hostNetworkGatewayCR(const std::string& ns, const std::string& rev) {
  json cr = gatewayCR(ns, "hostnet", rev, {{"gw-hn", true}});
  cr["spec"]["components"]["ingressGateways"][0]["k8s"] = {
      {"overlays",
       {{{"kind", "Deployment"},
         {"name", "gw-hn"},
         {"patches", {{{"path", "spec.template.spec.hostNetwork"}, {"value", true}}}}}}}};
  return cr;
}

}  // namespace

TEST_CASE("a Service no IstioOperator installed is left alone and reported, and adopted only on request",
          "[reconciler][hostile]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-foreign");
  const std::string rev = iop::test::uniqueName("fr");
  json foreign = {
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", {{"name", "foreign"}, {"namespace", ns.name()}, {"labels", {{"app", "mine"}}}}},
      {"spec", {{"selector", {{"app", "mine"}}}, {"ports", {{{"name", "http"}, {"port", 80}}}}}}};
  auto created = admin->create(kService, ns.name(), foreign);
  REQUIRE(created.ok());
  const std::string rv = (*created)["metadata"]["resourceVersion"];

  RunningOperator op(rev, ns.name());
  applyCR(*admin, gatewayCR(ns.name(), "taker", rev, {{"foreign", true}}));
  REQUIRE(eventually(
      [&] {
        return reconciledMessage(*admin, ns.name(), "taker").find("no IstioOperator installed it") !=
               std::string::npos;
      },
      30s));
  json cr = getCR(*admin, ns.name(), "taker");
  CHECK(crStatus(*admin, ns.name(), "taker") == "ERROR");
  CHECK(condition(cr, "Reconciled").value("reason", "") == "OwnershipConflict");
  // The rest of the CR still reconciles: its Deployment and ServiceAccount exist.
  CHECK(eventually([&] { return exists(*admin, kDeployment, ns.name(), "foreign"); }, 20s));
  // The Service is exactly as its owner left it.
  json svc = getOr(*admin, kService, ns.name(), "foreign");
  CHECK(svc["metadata"]["resourceVersion"] == rv);
  CHECK(svc["spec"]["selector"] == json{{"app", "mine"}});
  CHECK(label(svc, kOwningResourceLabel).empty());

  // Deleting the CR deletes what it owns, not the Service.
  REQUIRE(admin->remove(iop::reconcilers::kIstioOperatorGVK, ns.name(), "taker").ok());
  REQUIRE(eventually([&] { return !exists(*admin, iop::reconcilers::kIstioOperatorGVK, ns.name(), "taker"); },
                     30s));
  CHECK_FALSE(exists(*admin, kDeployment, ns.name(), "foreign"));
  CHECK(getOr(*admin, kService, ns.name(), "foreign")["metadata"]["resourceVersion"] == rv);

  // Opting in takes it over: the Service becomes the gateway's, owned by the CR.
  json adopter = gatewayCR(ns.name(), "adopter", rev, {{"foreign", true}});
  adopter["metadata"]["annotations"] = {{"install.operator.istio.io/adopt", "true"}};
  applyCR(*admin, adopter);
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "adopter") == "HEALTHY"; }, 40s));
  svc = getOr(*admin, kService, ns.name(), "foreign");
  CHECK(label(svc, kOwningResourceLabel) == "adopter");
  CHECK(svc["spec"]["selector"].value("app", "") != "mine");
}

TEST_CASE("objects istioctl installed (managed label, its CR's owner labels) are taken over",
          "[reconciler][hostile]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-migrate");
  const std::string rev = iop::test::uniqueName("mig");
  // Labelled as istio's operator/pkg/install getOwnerLabels labels what `istioctl install` applies:
  // managed=Reconcile, its version, the owning resource when its file named one, the revision
  // and the component.
  auto istioctlLabels = [&](bool named) {
    json l = {{"operator.istio.io/managed", "Reconcile"},
              {"operator.istio.io/version", "1.28.0"},
              {"istio.io/rev", "default"},
              {"operator.istio.io/component", "IngressGateways"}};
    if (named) {
      l["install.operator.istio.io/owning-resource"] = "installed-state";
      l["install.operator.istio.io/owning-resource-namespace"] = "istio-system";
    }
    return l;
  };
  REQUIRE(
      admin
          ->create(
              kService, ns.name(),
              {{"apiVersion", "v1"},
               {"kind", "Service"},
               {"metadata", {{"name", "gw-a"}, {"namespace", ns.name()}, {"labels", istioctlLabels(true)}}},
               {"spec", {{"selector", {{"app", "gw-a"}}}, {"ports", {{{"name", "http"}, {"port", 80}}}}}}})
          .ok());
  REQUIRE(admin
              ->create(kServiceAccount, ns.name(),
                       {{"apiVersion", "v1"},
                        {"kind", "ServiceAccount"},
                        {"metadata",
                         {{"name", "gw-b-service-account"},
                          {"namespace", ns.name()},
                          {"labels", istioctlLabels(false)}}}})
              .ok());
  RunningOperator op(rev, ns.name());
  applyCR(*admin, gatewayCR(ns.name(), "gateways", rev, {{"gw-a", true}, {"gw-b", true}}));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "gateways") == "HEALTHY"; }, 40s));
  CHECK(label(getOr(*admin, kService, ns.name(), "gw-a"), kOwningResourceLabel) == "gateways");
  CHECK(label(getOr(*admin, kServiceAccount, ns.name(), "gw-b-service-account"), kOwningResourceLabel) ==
        "gateways");
}

TEST_CASE("overlays, namespaces and pod security are refused naming the setting, and nothing is applied",
          "[reconciler][hostile]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-policy");
  const std::string rev = iop::test::uniqueName("pol");
  RunningOperator op(rev, ns.name());

  json hostNet = hostNetworkGatewayCR(ns.name(), rev);
  applyCR(*admin, hostNet);

  json elsewhere = gatewayCR(ns.name(), "elsewhere", rev, {{"coredns", true}});
  elsewhere["spec"]["components"]["ingressGateways"][0]["namespace"] = "kube-system";
  applyCR(*admin, elsewhere);

  json rbac = {{"apiVersion", "install.istio.io/v1alpha1"},
               {"kind", "IstioOperator"},
               {"metadata", {{"name", "rbac"}, {"namespace", ns.name()}}},
               {"spec",
                {{"profile", "empty"},
                 {"revision", rev},
                 // Istio's installer places components in values.global.istioNamespace.
                 {"values", {{"global", {{"istioNamespace", ns.name()}}}}},
                 {"components",
                  {{"pilot",
                    {{"enabled", true},
                     {"k8s",
                      {{"overlays",
                        {{{"kind", "ClusterRoleBinding"},
                          {"name", "istiod-clusterrole-" + rev + "-" + ns.name()},
                          {"patches", {{{"path", "roleRef.name"}, {"value", "cluster-admin"}}}}}}}}}}}}}}}};
  applyCR(*admin, rbac);

  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "hostnet") == "ERROR"; }, 30s));
  CHECK_THAT(reconciledMessage(*admin, ns.name(), "hostnet"),
             Catch::Contains(
                 "spec.components.ingressGateways[0].k8s.overlays[0].patches[0]: refused for Deployment " +
                 ns.name() + "/gw-hn: spec.template.spec.hostNetwork"));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "elsewhere") == "ERROR"; }, 30s));
  CHECK_THAT(reconciledMessage(*admin, ns.name(), "elsewhere"),
             Catch::Contains("would go into namespace \"kube-system\""));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "rbac") == "ERROR"; }, 30s));
  CHECK_THAT(
      reconciledMessage(*admin, ns.name(), "rbac"),
      Catch::Contains("spec.components.pilot.k8s.overlays[0].patches[0]: refused for ClusterRoleBinding"));
  CHECK_THAT(reconciledMessage(*admin, ns.name(), "rbac"), Catch::Contains("--allow-rbac-webhook-overlays"));
  for (const char* name : {"hostnet", "elsewhere", "rbac"}) {
    INFO(name);
    CHECK(ownedBy(*admin, ns.name(), name) == 0);
  }
  CHECK_FALSE((exists(*admin, kDeployment, "kube-system", "coredns") &&
               !label(getOr(*admin, kDeployment, "kube-system", "coredns"), kOwningResourceLabel).empty()));
}

TEST_CASE("an operator started with --pod-security=privileged applies what baseline refuses",
          "[reconciler][hostile]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-priv");
  const std::string rev = iop::test::uniqueName("priv");
  RunningOperator op(rev, ns.name(), [](iop::reconcilers::OperatorOptions& o) {
    o.policy.podSecurity = iop::reconcilers::PodSecurityLevel::Privileged;
  });
  json hostNet = hostNetworkGatewayCR(ns.name(), rev);
  applyCR(*admin, hostNet);
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "hostnet") == "HEALTHY"; }, 40s));
  CHECK(getOr(*admin, kDeployment, ns.name(), "gw-hn")["spec"]["template"]["spec"]["hostNetwork"] == true);
}
