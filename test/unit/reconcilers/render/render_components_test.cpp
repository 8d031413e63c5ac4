// What each component renders: names, labels, selectors, ports and images, as istioctl does.
#include <catch2/catch.hpp>

#include "base/yaml_json.h"
#include "reconcilers/api/json_tree.h"
#include "test/unit/reconcilers/render/render_fixture.h"

using namespace iop::reconcilers;
using namespace iop::reconcilers::testing;
using nlohmann::json;

namespace {
const std::string kHeader = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\n";
}

TEST_CASE("Base renders Istio's CRDs and the reader service account", "[render][base]") {
  auto r = renderYaml(
      kHeader +
      "metadata: {name: base-only}\nspec:\n  profile: empty\n  components:\n    base: {enabled: true}\n");
  auto crds = names(r, "CustomResourceDefinition");
  CHECK(crds.size() == 15);
  const json& vs = object(r, "CustomResourceDefinition", "virtualservices.networking.istio.io");
  CHECK(vs["spec"]["group"] == "networking.istio.io");
  CHECK(vs["spec"]["scope"] == "Namespaced");
  CHECK(vs["spec"]["names"]["kind"] == "VirtualService");
  CHECK(vs["spec"]["names"]["shortNames"] == json({"vs"}));
  REQUIRE(vs["spec"]["versions"].size() == 3);
  const json& v1 = vs["spec"]["versions"][0];
  CHECK(v1["name"] == "v1");
  CHECK(v1["storage"] == true);
  CHECK(v1["additionalPrinterColumns"][0]["jsonPath"] == ".spec.gateways");
  // The release's schema, whole: the API server validates VirtualServices with it.
  const json& spec = v1["schema"]["openAPIV3Schema"]["properties"]["spec"];
  CHECK(spec["properties"]["hosts"]["type"] == "array");
  CHECK(spec["properties"].contains("http"));
  const json& sa = object(r, "ServiceAccount", "istio-reader-service-account");
  CHECK(sa["metadata"]["namespace"] == "istio-system");
  CHECK(r.component(kPilot).empty());
  // The default profile sets defaultRevision "", so no default validator unless asked.
  CHECK_FALSE(findObject(r, "ValidatingWebhookConfiguration", "istiod-default-validator"));
}

TEST_CASE("Base renders the default validating webhook when values.defaultRevision names one",
          "[render][base]") {
  auto r = renderYaml(kHeader +
                      "spec:\n  profile: empty\n  components:\n    base: {enabled: true}\n  values:\n    "
                      "defaultRevision: 1-8-1\n");
  const json& hook = object(r, "ValidatingWebhookConfiguration", "istiod-default-validator");
  CHECK(hook["webhooks"][0]["clientConfig"]["service"]["name"] == "istiod-1-8-1");
  CHECK(hook["metadata"]["labels"]["istio.io/rev"] == "1-8-1");
  CHECK(hook["webhooks"][0]["rules"][0]["apiGroups"] ==
        json({"security.istio.io", "networking.istio.io", "telemetry.istio.io", "extensions.istio.io"}));
}

TEST_CASE("Pilot with a revision suffixes every name and selects by revision", "[render][pilot]") {
  auto r = renderYaml(kHeader + "metadata: {name: cp}\nspec:\n  profile: minimal\n  revision: 1-8-0\n");
  for (const char* kind :
       {"Deployment", "Service", "ServiceAccount", "HorizontalPodAutoscaler", "Role", "RoleBinding"}) {
    CHECK(findObject(r, kind, "istiod-1-8-0"));
  }
  CHECK(findObject(r, "ConfigMap", "istio-1-8-0"));
  CHECK(findObject(r, "ConfigMap", "istio-sidecar-injector-1-8-0"));
  CHECK(findObject(r, "MutatingWebhookConfiguration", "istio-sidecar-injector-1-8-0"));
  CHECK(findObject(r, "ValidatingWebhookConfiguration", "istio-validator-1-8-0-istio-system"));
  CHECK(findObject(r, "ClusterRole", "istiod-clusterrole-1-8-0-istio-system"));
  CHECK(findObject(r, "ClusterRoleBinding", "istiod-gateway-controller-1-8-0-istio-system"));
  CHECK_FALSE(findObject(r, "Deployment", "istiod"));

  const json& d = object(r, "Deployment", "istiod-1-8-0");
  CHECK(d["metadata"]["labels"]["app"] == "istiod");
  CHECK(d["metadata"]["labels"]["istio"] == "pilot");
  CHECK(d["metadata"]["labels"]["istio.io/rev"] == "1-8-0");
  CHECK(d["spec"]["selector"]["matchLabels"] == json({{"app", "istiod"}, {"istio.io/rev", "1-8-0"}}));
  CHECK(d["spec"]["template"]["metadata"]["labels"]["istio"] == "istiod");
  const json& c = container(d);
  CHECK(c["image"] == "registry.istio.io/testing/pilot:latest");
  CHECK(c["env"][0] == json({{"name", "REVISION"}, {"value", "1-8-0"}}));
  CHECK(d["spec"]["template"]["spec"]["serviceAccountName"] == "istiod-1-8-0");

  const json& svc = object(r, "Service", "istiod-1-8-0");
  json ports = json::array();
  for (const auto& p : svc["spec"]["ports"]) ports.push_back({p["port"], p.value("targetPort", p["port"])});
  CHECK(ports == json({{15010, 15010}, {15012, 15012}, {443, 15017}, {15014, 15014}}));
  CHECK(svc["spec"]["selector"] == json({{"app", "istiod"}, {"istio.io/rev", "1-8-0"}}));

  const json& mwc = object(r, "MutatingWebhookConfiguration", "istio-sidecar-injector-1-8-0");
  REQUIRE(mwc["webhooks"].size() == 2);  // revisioned: only the rev.* hooks
  CHECK(mwc["webhooks"][0]["name"] == "rev.namespace.sidecar-injector.istio.io");
  CHECK(mwc["webhooks"][0]["clientConfig"]["service"]["name"] == "istiod-1-8-0");
  CHECK(mwc["webhooks"][0]["namespaceSelector"]["matchExpressions"][0]["values"] == json({"1-8-0"}));
}

TEST_CASE("Pilot without a revision uses the unsuffixed names and the default webhooks", "[render][pilot]") {
  auto r = renderYaml(kHeader + "spec:\n  profile: minimal\n");
  const json& d = object(r, "Deployment", "istiod");
  CHECK(d["spec"]["selector"]["matchLabels"] == json({{"istio", "pilot"}}));
  CHECK(d["metadata"]["labels"]["istio.io/rev"] == "default");
  CHECK(object(r, "Service", "istiod")["spec"]["selector"] == json({{"app", "istiod"}, {"istio", "pilot"}}));
  CHECK(object(r, "MutatingWebhookConfiguration", "istio-sidecar-injector")["webhooks"].size() == 4);
  CHECK(findObject(r, "ValidatingWebhookConfiguration", "istio-validator-istio-system"));
  CHECK(findObject(r, "ConfigMap", "istio"));
}

TEST_CASE("meshConfig lands in the istio ConfigMap over the chart's mesh defaults", "[render][pilot]") {
  auto r = renderYaml(kHeader +
                      "spec:\n  profile: minimal\n  revision: r1\n  meshConfig:\n    accessLogFile: "
                      "/dev/stdout\n    trustDomain: example.org\n");
  auto mesh =
      iop::base::yamlDocumentsToJson(object(r, "ConfigMap", "istio-r1")["data"]["mesh"].get<std::string>())
          .front();
  CHECK(mesh["accessLogFile"] == "/dev/stdout");
  CHECK(mesh["trustDomain"] == "example.org");
  CHECK(mesh["rootNamespace"] == "istio-system");
  CHECK(mesh["defaultConfig"]["discoveryAddress"] == "istiod-r1.istio-system.svc:15012");
  CHECK(mesh["defaultProviders"]["metrics"] == json({"prometheus"}));
}

TEST_CASE("hub and tag reach every image and a component hub/tag wins for it", "[render]") {
  auto r = renderYaml(kHeader + R"(spec:
  hub: docker.io/istio
  tag: 1.8.1
  components:
    pilot: {hub: quay.io/custom, tag: debug}
)");
  CHECK(container(object(r, "Deployment", "istiod"))["image"] == "quay.io/custom/pilot:debug");
  CHECK(container(object(r, "Deployment", "istio-ingressgateway"))["image"] ==
        "docker.io/istio/proxyv2:1.8.1");
}

TEST_CASE("Ingress gateways: objects labels default ports and image", "[render][gateways]") {
  auto r = renderYaml(
      kHeader +
      "metadata: {name: gw, namespace: istio-system}\nspec:\n  profile: empty\n  revision: 1-8-0\n"
      "  components:\n    ingressGateways:\n    - name: istio-ingressgateway\n      enabled: true\n");
  CHECK(names(r, "Deployment") == std::vector<std::string>{"istio-ingressgateway"});
  CHECK(findObject(r, "ServiceAccount", "istio-ingressgateway-service-account"));
  CHECK(findObject(r, "Role", "istio-ingressgateway-sds"));
  CHECK(findObject(r, "RoleBinding", "istio-ingressgateway-sds"));
  CHECK(findObject(r, "HorizontalPodAutoscaler", "istio-ingressgateway"));
  CHECK_FALSE(findObject(r, "PodDisruptionBudget", "istio-ingressgateway"));  // autoscaleMin 1: no PDB
  const json& d = object(r, "Deployment", "istio-ingressgateway");
  const json& pod = d["spec"]["template"]["metadata"]["labels"];
  CHECK(pod["app"] == "istio-ingressgateway");
  CHECK(pod["istio"] == "ingressgateway");
  CHECK(pod["istio.io/rev"] == "1-8-0");
  CHECK(pod["service.istio.io/canonical-name"] == "istio-ingressgateway");
  CHECK(pod["service.istio.io/canonical-revision"] == "1-8-0");
  CHECK(pod["sidecar.istio.io/inject"] == "false");
  CHECK(d["spec"]["selector"]["matchLabels"] ==
        json({{"app", "istio-ingressgateway"}, {"istio", "ingressgateway"}}));
  CHECK(container(d)["image"] == "registry.istio.io/testing/proxyv2:latest");
  CHECK_FALSE(d["spec"].contains("replicas"));  // the HPA owns it
  const json& svc = object(r, "Service", "istio-ingressgateway");
  CHECK(svc["spec"]["type"] == "LoadBalancer");
  json ports = json::array();
  for (const auto& p : svc["spec"]["ports"]) ports.push_back(p["port"]);
  CHECK(ports == json({15021, 80, 443}));
  json cports = json::array();
  for (const auto& p : container(d)["ports"]) cports.push_back(p["containerPort"]);
  CHECK(cports == json({15021, 8080, 8443, 15090}));
  // The gateway talks to its revision's istiod.
  bool caAddr = false;
  for (const auto& e : container(d)["env"])
    caAddr |= e == json({{"name", "CA_ADDR"}, {"value", "istiod-1-8-0.istio-system.svc:15012"}});
  CHECK(caAddr);
}

TEST_CASE("A gateway's name is not revision-suffixed so a revision move upgrades it in place",
          "[render][gateways]") {
  const std::string gw =
      kHeader +
      "metadata: {name: gateway}\nspec:\n  profile: empty\n  revision: REV\n  components:\n"
      "    ingressGateways:\n    - {name: istio-ingressgateway, enabled: true}\n";
  auto replace = [](std::string s, const std::string& rev) { return s.replace(s.find("REV"), 3, rev); };
  auto before = renderYaml(replace(gw, "1-8-0"));
  auto after = renderYaml(replace(gw, "1-8-1"));
  CHECK(names(before, "Deployment") == names(after, "Deployment"));
  CHECK(names(before, "Service") == names(after, "Service"));
  const json& d = object(after, "Deployment", "istio-ingressgateway");
  CHECK(d["metadata"]["labels"]["istio.io/rev"] == "1-8-1");
  CHECK(d["spec"]["template"]["metadata"]["labels"]["service.istio.io/canonical-revision"] == "1-8-1");
  CHECK(d["spec"]["selector"] == object(before, "Deployment", "istio-ingressgateway")["spec"]["selector"]);
}

TEST_CASE("Gateway label maps add to the labels selectors and service and custom ports replace the defaults",
          "[render][gateways]") {
  auto r = renderYaml(kHeader + R"(spec:
  profile: empty
  components:
    ingressGateways:
    - name: internal-gw
      namespace: gateways
      enabled: true
      label: {istio: internal, team: payments}
      k8s:
        service:
          type: ClusterIP
          ports:
          - {name: http, port: 8080, targetPort: 18080}
)");
  const json& d = object(r, "Deployment", "internal-gw");
  CHECK(d["metadata"]["namespace"] == "gateways");
  CHECK(d["spec"]["selector"]["matchLabels"] ==
        json({{"app", "istio-ingressgateway"}, {"istio", "internal"}, {"team", "payments"}}));
  CHECK(findObject(r, "ServiceAccount", "internal-gw-service-account"));
  const json& svc = object(r, "Service", "internal-gw");
  CHECK(svc["spec"]["selector"]["team"] == "payments");
  CHECK(svc["spec"]["type"] == "ClusterIP");
  REQUIRE(svc["spec"]["ports"].size() == 1);
  CHECK(svc["spec"]["ports"][0]["port"] == 8080);
  CHECK(container(d)["ports"][0]["containerPort"] == 18080);
}

TEST_CASE("Egress gateways render with their own defaults", "[render][gateways]") {
  auto r = renderYaml(kHeader +
                      "spec:\n  profile: minimal\n  components:\n    egressGateways:\n    - {name: "
                      "istio-egressgateway, enabled: true}\n");
  const json& d = object(r, "Deployment", "istio-egressgateway");
  CHECK(d["metadata"]["labels"]["operator.istio.io/component"] == "EgressGateways");
  CHECK(d["spec"]["selector"]["matchLabels"] ==
        json({{"app", "istio-egressgateway"}, {"istio", "egressgateway"}}));
  CHECK(object(r, "Service", "istio-egressgateway")["spec"]["type"] == "ClusterIP");
  CHECK(r.component(kEgressGateways).size() == 6);
}

TEST_CASE("Disabled gateways render nothing and values.gateways.*.enabled forces them on",
          "[render][gateways]") {
  auto off = renderYaml(kHeader + "spec:\n  profile: minimal\n");
  CHECK(off.component(kIngressGateways).empty());
  auto forced = renderYaml(
      kHeader +
      "spec:\n  profile: minimal\n  values:\n    gateways:\n      istio-ingressgateway: {enabled: true}\n");
  CHECK(findObject(forced, "Deployment", "istio-ingressgateway"));
}

TEST_CASE("Cni renders the istio-cni-node DaemonSet its ConfigMap ServiceAccount and RBAC", "[render][cni]") {
  auto r = renderYaml(
      kHeader +
      "spec:\n  profile: minimal\n  components:\n    cni: {enabled: true, namespace: kube-system}\n");
  const json& ds = object(r, "DaemonSet", "istio-cni-node");
  CHECK(ds["metadata"]["namespace"] == "kube-system");
  CHECK(ds["spec"]["selector"]["matchLabels"] == json({{"k8s-app", "istio-cni-node"}}));
  CHECK(container(ds)["image"] == "registry.istio.io/testing/install-cni:latest");
  CHECK(object(r, "ConfigMap", "istio-cni-config")["data"]["AMBIENT_ENABLED"] == "false");
  CHECK(object(r, "ServiceAccount", "istio-cni")["metadata"]["namespace"] == "kube-system");
  CHECK(object(r, "ClusterRole", "istio-cni")["rules"][0]["resources"] ==
        json({"pods", "nodes", "namespaces"}));
  CHECK(object(r, "ClusterRoleBinding", "istio-cni")["subjects"][0]["namespace"] == "kube-system");
  CHECK(findObject(r, "ClusterRole", "istio-cni-repair-role"));
  CHECK(ds["metadata"]["labels"]["operator.istio.io/component"] == "Cni");
}

TEST_CASE("Every object carries iop's ownership labels", "[render][ownership]") {
  auto r = renderYaml(kHeader +
                      "metadata: {name: control-plane, namespace: istio-system}\nspec:\n  revision: 1-8-0\n  "
                      "components:\n    cni: {enabled: true}\n");
  REQUIRE(r.objects.size() > 40);
  for (const auto& o : r.objects) {
    const json& l = o.object["metadata"]["labels"];
    INFO(o.object["kind"] << " " << o.object["metadata"]["name"]);
    CHECK(l["operator.istio.io/managed"] == "Reconcile");
    CHECK(l["install.operator.istio.io/owning-resource"] == "control-plane");
    CHECK(l["install.operator.istio.io/owning-resource-namespace"] == "istio-system");
    CHECK(l["operator.istio.io/component"] == o.component);
    CHECK(l["operator.istio.io/version"] == "9.9.9");
    CHECK(l["istio.io/rev"] == "1-8-0");
  }
}

TEST_CASE("Objects come in apply order", "[render][order]") {
  auto r = renderYaml(kHeader + "spec:\n  components:\n    cni: {enabled: true}\n");
  const std::vector<std::string> order = {"CustomResourceDefinition",
                                          "ServiceAccount",
                                          "ClusterRole",
                                          "ClusterRoleBinding",
                                          "Role",
                                          "RoleBinding",
                                          "ValidatingWebhookConfiguration",
                                          "MutatingWebhookConfiguration",
                                          "ConfigMap",
                                          "Deployment",
                                          "DaemonSet",
                                          "HorizontalPodAutoscaler",
                                          "PodDisruptionBudget",
                                          "Service"};
  size_t last = 0;
  for (const auto& o : r.objects) {
    auto it = std::find(order.begin(), order.end(), o.object["kind"].get<std::string>());
    REQUIRE(it != order.end());
    size_t pos = static_cast<size_t>(it - order.begin());
    INFO(o.object["kind"] << " after " << order[last]);
    CHECK(pos >= last);
    last = pos;
  }
}

TEST_CASE("Component namespace is its own, else values.global.istioNamespace; spec.namespace is unused as in istioctl",
          "[render]") {
  auto viaValues =
      renderYaml(kHeader + "spec:\n  profile: minimal\n  values:\n    global: {istioNamespace: mesh}\n");
  CHECK(object(viaValues, "Deployment", "istiod")["metadata"]["namespace"] == "mesh");
  CHECK(findObject(viaValues, "ClusterRole", "istiod-clusterrole-mesh") != nullptr);
  auto own = renderYaml(kHeader + "spec:\n  profile: minimal\n  components:\n    pilot: {namespace: own}\n");
  CHECK(object(own, "Deployment", "istiod")["metadata"]["namespace"] == "own");

  auto viaSpec = renderYaml(kHeader + "spec:\n  profile: minimal\n  namespace: control\n");
  CHECK(object(viaSpec, "Deployment", "istiod")["metadata"]["namespace"] == "istio-system");
  REQUIRE(viaSpec.warnings.size() == 1);
  CHECK_THAT(viaSpec.warnings[0], Catch::Contains("spec.namespace \"control\" is not used") &&
                                      Catch::Contains("values.global.istioNamespace: control"));
}

TEST_CASE("The component filter renders only the named components", "[render]") {
  RenderOptions options;
  options.components = {"pilot"};
  auto r = render(cr(kHeader + "spec: {}\n"), options);
  REQUIRE(r.ok());
  REQUIRE_FALSE(r.objects.empty());
  for (const auto& o : r.objects) CHECK(o.component == kPilot);
}

TEST_CASE("The demo profile's chart values apply (no autoscaling egress on)", "[render][profiles]") {
  auto r = renderYaml(kHeader + "spec:\n  profile: demo\n");
  CHECK_FALSE(findObject(r, "HorizontalPodAutoscaler", "istiod"));
  CHECK(object(r, "Deployment", "istiod")["spec"]["replicas"] == 1);
  CHECK(findObject(r, "Deployment", "istio-egressgateway"));
  CHECK(object(r, "Service", "istio-ingressgateway")["spec"]["ports"].size() == 5);
}

TEST_CASE("The remote profile renders the injector but no istiod", "[render][profiles]") {
  auto r = renderYaml(kHeader +
                      "spec:\n  profile: remote\n  values:\n    global: {remotePilotAddress: 10.0.0.7}\n");
  CHECK_FALSE(findObject(r, "Deployment", "istiod"));
  CHECK(findObject(r, "MutatingWebhookConfiguration", "istio-sidecar-injector"));
  CHECK(object(r, "EndpointSlice", "istiod")["endpoints"][0]["addresses"] == json({"10.0.0.7"}));
}

TEST_CASE("An unknown chart profile in values is an error", "[render][profiles]") {
  auto r = render(cr(kHeader + "spec:\n  values: {profile: nope}\n"), {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.objects.empty());
  CHECK(r.errors[0].path == "spec.components.base");  // the first chart that reads it, as istioctl says
  CHECK_THAT(r.errors[0].message, Catch::Contains("zzz_profile.yaml:31:3") && Catch::Contains("unknown profile nope"));
}

TEST_CASE("The stable profile adds the stable-channel ValidatingAdmissionPolicy for the revision",
          "[render][profiles]") {
  auto r = renderYaml(kHeader + "spec:\n  profile: stable\n  revision: s1\n");
  const json& policy =
      object(r, "ValidatingAdmissionPolicy", "stable-channel-policy-s1-istio-system.istio.io");
  CHECK(policy["spec"]["matchConstraints"]["objectSelector"]["matchExpressions"][0]["values"] ==
        json({"s1"}));
  CHECK(policy["spec"]["validations"].size() == 5);
  const json& binding =
      object(r, "ValidatingAdmissionPolicyBinding", "stable-channel-policy-binding-s1-istio-system.istio.io");
  CHECK(binding["spec"]["policyName"] == "stable-channel-policy-s1-istio-system.istio.io");
  CHECK_FALSE(findObject(renderYaml(kHeader + "spec: {}\n"), "ValidatingAdmissionPolicy",
                         "stable-channel-policy-istio-system.istio.io"));
}

TEST_CASE("values.global.istioNamespace moves every namespaced object of the control plane, with or without Base",
          "[render]") {
  auto r = renderYaml(
      "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: cp}\n"
      "spec:\n  profile: minimal\n  values:\n    global: {istioNamespace: my-ns}\n  components:\n    base: {enabled: false}\n");
  int namespaced = 0;
  for (const auto& o : r.objects) {
    if (!o.object["metadata"].contains("namespace")) continue;
    ++namespaced;
    INFO(o.object["kind"] << " " << o.object["metadata"]["name"]);
    CHECK(o.object["metadata"]["namespace"] == "my-ns");
  }
  CHECK(namespaced >= 6);  // ServiceAccount, Role, RoleBinding, ConfigMaps, Deployment, Service...
  CHECK(findObject(r, "ClusterRole", "istiod-clusterrole-my-ns") != nullptr);
}
