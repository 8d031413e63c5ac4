// Parsing and validation of IstioOperator CRs: every error carries the field path.
#include "reconcilers/api/istio_operator.h"

#include <catch2/catch.hpp>

#include "reconcilers/render/istio_manifests.h"

using namespace iop::reconcilers;

namespace {

ValidationOptions withProfiles() {
  ValidationOptions o;
  o.profiles = IstioManifests::compiledIn()->profileNames();
  return o;
}

// The error for `path`, failing the test when there is none.
FieldError errorAt(const ParseResult& r, const std::string& path) {
  for (const auto& e : r.errors) {
    if (e.path == path) return e;
  }
  std::string all;
  for (const auto& e : r.errors) all += e.str() + "\n";
  INFO("errors:\n" << all);
  FAIL("no error at " << path);
  return {};
}

const char* kHeader = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\n";

}  // namespace

TEST_CASE("A complete IstioOperator parses: metadata spec and every component setting", "[parse]") {
  auto r = parseIstioOperator(std::string(kHeader) + R"(
metadata: {name: control-plane, namespace: istio-system}
spec:
  profile: minimal
  revision: 1-8-0
  hub: docker.io/istio
  tag: 1.8.0
  namespace: istio-system
  meshConfig: {accessLogFile: /dev/stdout}
  values: {global: {logAsJson: true}}
  unvalidatedValues: {anything: {goes: 1}}
  components:
    base: {enabled: true}
    pilot:
      enabled: true
      namespace: istio-system
      hub: h
      tag: 5
      k8s:
        affinity: {}
        env: [{name: A, value: b}]
        hpaSpec: {minReplicas: 2}
        imagePullPolicy: Always
        nodeSelector: {disk: ssd}
        podDisruptionBudget: {minAvailable: 1}
        podAnnotations: {a: b}
        priorityClassName: high
        readinessProbe: {periodSeconds: 3}
        replicaCount: 2
        resources: {requests: {cpu: 1}}
        service: {type: ClusterIP}
        serviceAnnotations: {x: y}
        securityContext: {runAsUser: 1}
        strategy: {type: Recreate}
        tolerations: [{key: k, operator: Exists}]
        volumes: [{name: v, emptyDir: {}}]
        volumeMounts: [{name: v, mountPath: /v}]
        overlays:
        - apiVersion: apps/v1
          kind: Deployment
          name: istiod-1-8-0
          patches: [{path: spec.template.spec.hostNetwork, value: true}]
    cni: {enabled: false}
    ztunnel: {enabled: false}
    istiodRemote: {enabled: false}
    ingressGateways:
    - name: istio-ingressgateway
      enabled: true
      label: {app: istio-ingressgateway, istio: ingressgateway}
    egressGateways:
    - {name: istio-egressgateway, enabled: false}
)",
                              withProfiles());
  INFO((r.errors.empty() ? std::string() : r.errors.front().str()));
  REQUIRE(r.ok());
  CHECK(r.iop->name == "control-plane");
  CHECK(r.iop->namespace_ == "istio-system");
  CHECK(r.iop->revision() == "1-8-0");
  CHECK(r.iop->profile() == "minimal");
  CHECK(r.iop->spec["components"]["pilot"]["k8s"]["replicaCount"] == 2);
}

TEST_CASE("JSON input parses like YAML", "[parse]") {
  auto r = parseIstioOperator(
      R"({"apiVersion":"install.istio.io/v1alpha1","kind":"IstioOperator","metadata":{"name":"x"},"spec":{"profile":"empty"}})",
      withProfiles());
  REQUIRE(r.ok());
  CHECK(r.iop->profile() == "empty");
}

TEST_CASE("An unknown field is an error naming the nearest valid field", "[validation]") {
  // The reference page's own typo: `ingressGateway` instead of `ingressGateways`.
  auto r = parseIstioOperator(std::string(kHeader) + R"(
metadata: {name: gateway}
spec:
  profile: empty
  components:
    ingressGateway:
    - name: istio-ingressgateway
      enabled: true
)");
  auto e = errorAt(r, "spec.components.ingressGateway");
  CHECK(e.message == "unknown field; did you mean ingressGateways?");
}

TEST_CASE("Unknown fields are found at every depth all at once", "[validation]") {
  auto r = parseIstioOperator(std::string(kHeader) + R"(
spec:
  profil: demo
  components:
    pilot: {enabeld: true, k8s: {replicaCont: 2}}
    ingressGateways:
    - name: gw
      k8s: {overlays: [{kind: Service, name: gw, patches: [{pth: a}]}]}
)");
  CHECK_THAT(errorAt(r, "spec.profil").message, Catch::Contains("did you mean profile?"));
  CHECK_THAT(errorAt(r, "spec.components.pilot.enabeld").message, Catch::Contains("did you mean enabled?"));
  CHECK_THAT(errorAt(r, "spec.components.pilot.k8s.replicaCont").message,
             Catch::Contains("did you mean replicaCount?"));
  CHECK_THAT(errorAt(r, "spec.components.ingressGateways[0].k8s.overlays[0].patches[0].pth").message,
             Catch::Contains("did you mean path?"));
  CHECK(r.errors.size() == 4);
}

TEST_CASE("A field far from every valid name lists the valid ones", "[validation]") {
  auto r = parseIstioOperator(std::string(kHeader) + "spec:\n  components:\n    zzzzzzzzzzzzz: {}\n");
  CHECK_THAT(errorAt(r, "spec.components.zzzzzzzzzzzzz").message,
             Catch::Contains("valid fields are:") && Catch::Contains("ingressGateways"));
}

TEST_CASE("Wrong types are errors with the field path", "[validation]") {
  auto r = parseIstioOperator(std::string(kHeader) + R"(
metadata: {name: [a]}
spec:
  revision: 7
  profile: {name: demo}
  meshConfig: "accessLogFile"
  components:
    pilot: {enabled: "yes", k8s: {replicaCount: two, nodeSelector: {zone: 1}, tolerations: {key: a}}}
    ingressGateways: {name: gw}
    egressGateways: [{name: eg, label: [a]}]
)");
  CHECK(errorAt(r, "metadata.name").message == "expected a string, got a list");
  CHECK(errorAt(r, "spec.revision").message == "expected a string, got a number");
  CHECK(errorAt(r, "spec.profile").message == "expected a string, got an object");
  CHECK(errorAt(r, "spec.meshConfig").message == "expected an object, got a string");
  CHECK(errorAt(r, "spec.components.pilot.enabled").message ==
        "expected a boolean (true or false), got a string");
  CHECK(errorAt(r, "spec.components.pilot.k8s.replicaCount").message == "expected an integer, got a string");
  CHECK_THAT(errorAt(r, "spec.components.pilot.k8s.nodeSelector.zone").message,
             Catch::Contains("expected a string"));
  CHECK(errorAt(r, "spec.components.pilot.k8s.tolerations").message == "expected a list, got an object");
  CHECK(errorAt(r, "spec.components.ingressGateways").message == "expected a list, got an object");
  CHECK(errorAt(r, "spec.components.egressGateways[0].label").message ==
        "expected a map of strings, got a list");
}

TEST_CASE("A revision must be a DNS-1123 label and dots are explained", "[validation]") {
  auto dotted = parseIstioOperator(std::string(kHeader) + "spec:\n  revision: 1.8.0\n");
  auto e = errorAt(dotted, "spec.revision");
  CHECK_THAT(e.message, Catch::Contains("DNS-1123") && Catch::Contains("dots are not allowed") &&
                            Catch::Contains("1-8-0"));
  auto upper = parseIstioOperator(std::string(kHeader) + "spec:\n  revision: Canary\n");
  CHECK_THAT(errorAt(upper, "spec.revision").message,
             Catch::Contains("DNS-1123") && !Catch::Contains("dots"));
  CHECK(parseIstioOperator(std::string(kHeader) + "spec:\n  revision: 1-8-1\n").ok());
  CHECK(isDns1123Label("canary"));
  CHECK_FALSE(isDns1123Label("-a"));
  CHECK_FALSE(isDns1123Label(std::string(64, 'a')));
}

TEST_CASE("Duplicate and missing gateway names are errors", "[validation]") {
  auto r = parseIstioOperator(std::string(kHeader) + R"(
spec:
  components:
    ingressGateways:
    - {name: gw}
    - {name: other}
    - {name: gw}
    - {enabled: true}
    egressGateways:
    - {name: Bad_Name}
)");
  CHECK_THAT(errorAt(r, "spec.components.ingressGateways[2].name").message,
             Catch::Contains("duplicate gateway name \"gw\"") && Catch::Contains("ingressGateways[0]"));
  CHECK_THAT(errorAt(r, "spec.components.ingressGateways[3].name").message, Catch::Contains("required"));
  CHECK_THAT(errorAt(r, "spec.components.egressGateways[0].name").message, Catch::Contains("not a valid"));
}

TEST_CASE("An unknown profile is an error listing the known ones", "[validation]") {
  auto r = parseIstioOperator(std::string(kHeader) + "spec:\n  profile: tiny\n", withProfiles());
  CHECK_THAT(errorAt(r, "spec.profile").message, Catch::Contains("unknown profile \"tiny\"") &&
                                                     Catch::Contains("minimal") &&
                                                     Catch::Contains("ambient"));
}

TEST_CASE("apiVersion and kind must be IstioOperator's", "[validation]") {
  auto r = parseIstioOperator("apiVersion: v1\nkind: ConfigMap\n");
  CHECK(errorAt(r, "apiVersion").message == "must be install.istio.io/v1alpha1");
  CHECK(errorAt(r, "kind").message == "must be IstioOperator");
}

TEST_CASE("Bad YAML and several documents are errors not exceptions", "[validation]") {
  auto syntax = parseIstioOperator("spec: [unclosed\n");
  REQUIRE_FALSE(syntax.ok());
  CHECK_THAT(syntax.errors.front().message, Catch::Contains("line"));
  auto two = parseIstioOperator(std::string(kHeader) + "---\n" + kHeader);
  REQUIRE_FALSE(two.ok());
  CHECK_THAT(two.errors.front().message, Catch::Contains("exactly one"));
  auto notObject = parseIstioOperator("- a\n- b\n");
  REQUIRE_FALSE(notObject.ok());
}
