// The `k8s` settings and `overlays` of a component, applied after rendering as istioctl does.
#include <catch2/catch.hpp>

#include "test/unit/reconcilers/render/render_fixture.h"

using namespace iop::reconcilers;
using namespace iop::reconcilers::testing;
using nlohmann::json;

namespace {
const std::string kGateway = R"(apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  profile: empty
  components:
    ingressGateways:
    - name: gw
      enabled: true
      k8s:
)";
RenderResult gatewayWith(const std::string& k8s) {
  return renderYaml(kGateway + k8s);
}
}  // namespace

TEST_CASE("k8s pod settings patch the gateway's pod spec", "[render][k8s]") {
  auto r =
      gatewayWith(R"(        affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: []}}
        nodeSelector: {disk: ssd}
        priorityClassName: high
        tolerations: [{key: dedicated, operator: Exists}]
        securityContext: {fsGroup: 1337}
        podAnnotations: {team: payments}
)");
  const json& pod = object(r, "Deployment", "gw")["spec"]["template"];
  CHECK(pod["spec"]["affinity"].contains("podAntiAffinity"));
  CHECK(pod["spec"]["affinity"].contains("nodeAffinity"));  // merged, not replaced
  CHECK(pod["spec"]["nodeSelector"] == json({{"disk", "ssd"}}));
  CHECK(pod["spec"]["priorityClassName"] == "high");
  CHECK(pod["spec"]["tolerations"] == json::array({{{"key", "dedicated"}, {"operator", "Exists"}}}));
  CHECK(pod["spec"]["securityContext"]["fsGroup"] == 1337);
  CHECK(pod["spec"]["securityContext"]["runAsUser"] == 1337);
  CHECK(pod["metadata"]["annotations"]["team"] == "payments");
  CHECK(pod["metadata"]["annotations"]["sidecar.istio.io/inject"] == "false");
}

TEST_CASE("k8s container settings patch the main container env merged by name", "[render][k8s]") {
  auto r = gatewayWith(
      R"(        env: [{name: ISTIO_META_ROUTER_MODE, value: sni-dnat}, {name: CA_ADDR, value: elsewhere:15012}]
        imagePullPolicy: Always
        readinessProbe: {periodSeconds: 7}
        resources: {limits: {cpu: "4"}}
)");
  const json& d = object(r, "Deployment", "gw");
  const json& c = container(d);
  auto names = envNames(c);
  CHECK(std::count(names.begin(), names.end(), "CA_ADDR") == 1);
  CHECK(names.back() == "ISTIO_META_ROUTER_MODE");
  for (const auto& e : c["env"]) {
    if (e["name"] == "CA_ADDR") CHECK(e["value"] == "elsewhere:15012");
  }
  CHECK(c["imagePullPolicy"] == "Always");
  CHECK(c["readinessProbe"]["periodSeconds"] == 7);
  CHECK(c["readinessProbe"]["httpGet"]["path"] == "/healthz/ready");
  CHECK(c["resources"]["limits"]["cpu"] == "4");
  CHECK(c["resources"]["requests"]["cpu"] == "100m");
}

TEST_CASE("k8s volumes and volumeMounts are not applied, as istioctl, and a warning says how to add them",
          "[render][k8s]") {
  auto r = gatewayWith(
      "        volumes: [{name: extra, emptyDir: {}}]\n        volumeMounts: [{name: extra, mountPath: "
      "/extra}]\n");
  const json& d = object(r, "Deployment", "gw");
  for (const auto& v : d["spec"]["template"]["spec"]["volumes"]) CHECK(v["name"] != "extra");
  for (const auto& m : container(d)["volumeMounts"]) CHECK(m["mountPath"] != "/extra");
  REQUIRE(r.warnings.size() == 2);
  std::string all = r.warnings[0] + "\n" + r.warnings[1];
  CHECK_THAT(all,
             Catch::Contains("spec.components.ingressGateways[0].k8s.volumes is accepted but not applied") &&
                 Catch::Contains(
                     "spec.components.ingressGateways[0].k8s.volumeMounts is accepted but not applied") &&
                 Catch::Contains("k8s.overlays"));
}

TEST_CASE("k8s replicaCount sets replicas only when no HPA scales the Deployment", "[render][k8s]") {
  auto withHpa = gatewayWith("        replicaCount: 3\n");
  CHECK(findObject(withHpa, "HorizontalPodAutoscaler", "gw"));
  CHECK_FALSE(object(withHpa, "Deployment", "gw")["spec"].contains("replicas"));
  auto noHpa = renderYaml(kGateway +
                          "        replicaCount: 3\n  values:\n    gateways:\n      istio-ingressgateway: "
                          "{autoscaleEnabled: false}\n");
  CHECK_FALSE(findObject(noHpa, "HorizontalPodAutoscaler", "gw"));
  CHECK(object(noHpa, "Deployment", "gw")["spec"]["replicas"] == 3);
  CHECK(findObject(noHpa, "PodDisruptionBudget", "gw"));  // more than one replica: a PDB
}

TEST_CASE("k8s hpaSpec sets the HPA bounds and a minimum above one brings a PDB", "[render][k8s]") {
  auto r = gatewayWith(
      "        hpaSpec: {minReplicas: 2, maxReplicas: 7}\n        podDisruptionBudget: {maxUnavailable: "
      "1}\n");
  const json& hpa = object(r, "HorizontalPodAutoscaler", "gw");
  CHECK(hpa["spec"]["minReplicas"] == 2);
  CHECK(hpa["spec"]["maxReplicas"] == 7);
  const json& pdb = object(r, "PodDisruptionBudget", "gw");
  CHECK(pdb["spec"]["maxUnavailable"] == 1);
  CHECK_FALSE(pdb["spec"].contains("minAvailable"));  // both may not be set
}

TEST_CASE("k8s strategy service and serviceAnnotations patch their objects", "[render][k8s]") {
  auto r = gatewayWith(R"(        strategy: {rollingUpdate: {maxUnavailable: 0}}
        service: {type: NodePort, externalTrafficPolicy: Local}
        serviceAnnotations: {cloud.example.com/lb: internal}
)");
  CHECK(object(r, "Deployment", "gw")["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0);
  const json& svc = object(r, "Service", "gw");
  CHECK(svc["spec"]["type"] == "NodePort");
  CHECK(svc["spec"]["externalTrafficPolicy"] == "Local");
  CHECK(svc["spec"]["ports"].size() == 3);  // ports untouched
  CHECK(svc["metadata"]["annotations"]["cloud.example.com/lb"] == "internal");
}

TEST_CASE("Pilot's k8s settings patch istiod-<revision>", "[render][k8s]") {
  auto r = renderYaml(R"(apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  profile: minimal
  revision: canary
  components:
    pilot:
      k8s:
        env: [{name: PILOT_TRACE_SAMPLING, value: "5"}]
        hpaSpec: {minReplicas: 2}
        resources: {requests: {cpu: 1, memory: 1Gi}}
)");
  const json& c = container(object(r, "Deployment", "istiod-canary"));
  CHECK(c["resources"]["requests"]["cpu"] == 1);
  for (const auto& e : c["env"]) {
    if (e["name"] == "PILOT_TRACE_SAMPLING") CHECK(e["value"] == "5");
  }
  CHECK(object(r, "HorizontalPodAutoscaler", "istiod-canary")["spec"]["minReplicas"] == 2);
  CHECK(findObject(r, "PodDisruptionBudget", "istiod-canary"));
}

TEST_CASE("Overlays set select index append and delete with istioctl's path syntax", "[render][overlays]") {
  auto r = gatewayWith(R"(        overlays:
        - apiVersion: apps/v1
          kind: Deployment
          name: gw
          patches:
          - {path: spec.template.spec.shareProcessNamespace, value: true}
          - {path: "spec.template.spec.containers.[name:istio-proxy].args.[2]", value: --domain-override}
          - {path: "spec.template.spec.containers.[name:istio-proxy].ports.[containerPort:15090]", value: null}
          - {path: "spec.template.spec.volumes.[name:podinfo]", value: null}
          - {path: metadata.labels.extra, value: "yes"}
          - {path: "spec.template.spec.containers.[name:istio-proxy].args", value: --extra-arg}
        - kind: Service
          name: gw
          patches:
          - {path: "spec.ports.[0].nodePort", value: 30021}
          - {path: "spec.ports.[name:https]", value: null}
)");
  const json& d = object(r, "Deployment", "gw");
  const json& c = container(d);
  // (A boolean the default pod-security policy allows: hostNetwork, which this used, is refused.)
  CHECK(d["spec"]["template"]["spec"]["shareProcessNamespace"] == true);
  CHECK(c["args"][2] == "--domain-override");
  CHECK(c["args"].back() == "--extra-arg");
  for (const auto& p : c["ports"]) CHECK(p["containerPort"] != 15090);
  for (const auto& v : d["spec"]["template"]["spec"]["volumes"]) CHECK(v["name"] != "podinfo");
  CHECK(d["metadata"]["labels"]["extra"] == "yes");
  const json& svc = object(r, "Service", "gw");
  CHECK(svc["spec"]["ports"][0]["nodePort"] == 30021);
  CHECK(svc["spec"]["ports"].size() == 2);
}

TEST_CASE("An overlay that matches nothing is an error with its field path", "[render][overlays]") {
  auto r = render(cr(kGateway + R"(        overlays:
        - kind: Deployment
          name: not-there
          patches: [{path: spec.replicas, value: 1}]
        - kind: Deployment
          name: gw
          patches:
          - {path: "spec.template.spec.containers.[name:nope].image", value: x}
          - {path: spec.template.spec.noSuchField, value: null}
          - {path: "spec.template.spec.containers.[0].image.deeper", value: x}
)"),
                  {});
  REQUIRE(r.errors.size() == 4);
  const std::string base = "spec.components.ingressGateways[0].k8s.overlays";
  CHECK(r.errors[0].path == base + "[0]");
  CHECK_THAT(r.errors[0].message, Catch::Contains("no rendered Deployment named \"not-there\""));
  CHECK(r.errors[1].path == base + "[1].patches[0].path");
  CHECK_THAT(r.errors[1].message, Catch::Contains("no list element matches [name:nope]"));
  CHECK(r.errors[2].path == base + "[1].patches[1].path");
  CHECK_THAT(r.errors[2].message, Catch::Contains("nothing to delete"));
  CHECK(r.errors[3].path == base + "[1].patches[2].path");
  CHECK_THAT(r.errors[3].message, Catch::Contains("scalar"));
}
