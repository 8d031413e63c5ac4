// The IstioOperator CRD in crds/ is what users' `kubectl apply` meets first: it must accept the
// CRs of the revision-upgrade guide and reject what the API server can judge on its own.
#include <catch2/catch.hpp>
#include <fstream>

#include "test/support/cluster.h"
#include "test/support/eventually.h"

using iop::test::kubectl;
using iop::test::uniqueName;

namespace {

void installCRD() {
  auto r = kubectl({"apply", "--server-side", "--force-conflicts", "-f",
                    std::string(IOP_SOURCE_DIR) + "/crds/istiooperator.yaml"});
  INFO(r.out);
  REQUIRE(r.exitCode == 0);
  auto est = kubectl(
      {"wait", "--for", "condition=established", "--timeout=60s", "crd/istiooperators.install.istio.io"});
  INFO(est.out);
  REQUIRE(est.exitCode == 0);
}

std::string namespaceForTest() {
  auto ns = uniqueName("crd");
  REQUIRE(kubectl({"create", "namespace", ns}).exitCode == 0);
  return ns;
}

}  // namespace

TEST_CASE("the guide's control-plane and gateway CRs are accepted and listed with their revision", "[crd]") {
  installCRD();
  auto ns = namespaceForTest();
  auto cp = kubectl({"apply", "-n", ns, "-f", "-"}, R"(apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: control-plane-1-8-0
spec:
  profile: minimal
  revision: 1-8-0
)");
  INFO(cp.out);
  REQUIRE(cp.exitCode == 0);
  auto gw = kubectl({"apply", "-n", ns, "-f", "-"}, R"(apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: gateways
spec:
  profile: empty
  revision: 1-8-0
  tag: 1.8
  components:
    ingressGateways:
    - name: istio-ingressgateway
      enabled: true
      label: {istio: ingressgateway}
      k8s:
        resources: {requests: {cpu: 100m}}
  values:
    anything: {goes: [here]}
)");
  INFO(gw.out);
  REQUIRE(gw.exitCode == 0);

  auto cols = kubectl({"get", "iop", "-n", ns, "--no-headers", "-o",
                       "custom-columns=NAME:.metadata.name,REV:.spec.revision"});
  CHECK(cols.out == "control-plane-1-8-0   1-8-0\ngateways              1-8-0\n");
  // values stay free-form: nothing iop does not know yet is pruned by the API server
  auto values =
      kubectl({"get", "iop", "-n", ns, "gateways", "-o", "jsonpath={.spec.values.anything.goes[0]}"});
  CHECK(values.out == "here");
  auto printer = kubectl({"get", "istiooperators", "-n", ns});
  CHECK(printer.out.rfind("NAME                  REVISION   STATUS   AGE", 0) == 0);
  kubectl({"delete", "namespace", ns, "--wait=false"});
}

TEST_CASE("a revision with dots is rejected by the CRD schema, naming the field", "[crd]") {
  installCRD();
  auto ns = namespaceForTest();
  auto r = kubectl({"apply", "-n", ns, "-f", "-"}, R"(apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: dotted
spec:
  revision: 1.8.0
)");
  CHECK(r.exitCode != 0);
  CHECK(r.out.find("spec.revision") != std::string::npos);
  CHECK(r.out.find("1.8.0") != std::string::npos);
  CHECK(kubectl({"get", "iop", "-n", ns, "dotted"}).exitCode != 0);
  kubectl({"delete", "namespace", ns, "--wait=false"});
}

TEST_CASE("a misspelt component field is refused under kubectl's strict validation", "[crd]") {
  installCRD();
  auto ns = namespaceForTest();
  // The guide's own text writes `ingressGateway`; the API field is `ingressGateways`.
  auto r = kubectl({"apply", "-n", ns, "-f", "-"}, R"(apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: typo
spec:
  profile: empty
  components:
    ingressGateway:
    - name: istio-ingressgateway
      enabled: true
)");
  CHECK(r.exitCode != 0);
  CHECK(r.out.find("unknown field \"spec.components.ingressGateway\"") != std::string::npos);
  kubectl({"delete", "namespace", ns, "--wait=false"});
}

TEST_CASE(
    "kubectl apply refuses a profile Istio does not have, a gateway without a name, and names or "
    "namespaces that are not DNS labels, each naming its field",
    "[crd]") {
  installCRD();
  auto ns = namespaceForTest();
  auto apply = [&](const std::string& name, const std::string& spec) {
    return kubectl({"apply", "-n", ns, "-f", "-"},
                   "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: " + name +
                       "\nspec:\n" + spec);
  };
  struct Case {
    std::string what, name, spec, message;
  };
  const std::vector<Case> cases = {
      {"a misspelt profile", "cp", "  profile: minimall\n", "spec.profile: Unsupported value: \"minimall\""},
      {"a gateway without a name", "gw",
       "  profile: empty\n  components:\n    ingressGateways:\n    - enabled: true\n",
       "spec.components.ingressGateways[0].name: Required value"},
      {"a gateway name that is no DNS label", "gw",
       "  profile: empty\n  components:\n    egressGateways:\n    - name: Egress_GW\n",
       "spec.components.egressGateways[0].name in body should match"},
      {"a component namespace that is no DNS label", "cp",
       "  profile: minimal\n  components:\n    pilot:\n      namespace: Istio_System\n",
       "spec.components.pilot.namespace in body should match"},
      {"a CR name with dots", "control.plane", "  profile: minimal\n",
       "metadata.name must be a DNS-1123 label"},
  };
  for (const auto& c : cases) {
    auto r = apply(c.name, c.spec);
    INFO(c.what << ": " << r.out);
    CHECK(r.exitCode != 0);
    CHECK_THAT(r.out, Catch::Contains(c.message));
  }
  CHECK(kubectl({"get", "iop", "-n", ns, "-o", "name"}).out.empty());
  // And what the page writes is still fine, every profile of the release included.
  for (const std::string profile : {"minimal", "empty", "default", "demo", "ambient"}) {
    auto ok = apply("p-" + profile, "  profile: " + profile + "\n  revision: 1-8-0\n");
    INFO(ok.out);
    CHECK(ok.exitCode == 0);
  }
  kubectl({"delete", "namespace", ns, "--wait=false"});
}

namespace {

// The doc comment Istio's types.go (of the pinned module) has on the Go field declared by a line
// starting with `declaration`, as one line: what kubectl explain must show, not re-typed here.
std::string istioDoc(const std::string& declaration) {
  auto manifests = iop::test::run({std::string(IOP_SOURCE_DIR) + "/scripts/fetch-istio.sh"});
  REQUIRE(manifests.exitCode == 0);
  std::string dir = manifests.out.substr(0, manifests.out.find_last_not_of('\n') + 1);
  dir = dir.substr(dir.rfind('\n') == std::string::npos ? 0 : dir.rfind('\n') + 1);
  std::ifstream in(dir + "/../operator/pkg/apis/types.go");
  REQUIRE(in.good());
  std::vector<std::string> comment;
  for (std::string line; std::getline(in, line);) {
    auto text = line.substr(std::min(line.size(), line.find_first_not_of(" \t")));
    if (text.rfind("//", 0) == 0) {
      comment.push_back(text.size() > 3 ? text.substr(3) : "");
      continue;
    }
    if (text.rfind(declaration, 0) == 0 && !comment.empty()) return comment.front();
    comment.clear();
  }
  FAIL("no doc comment before `" << declaration << "` in Istio's types.go");
  return "";
}

}  // namespace

TEST_CASE("kubectl explain shows Istio's own descriptions of the IstioOperator fields, of the pinned version",
          "[crd]") {
  installCRD();
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"istiooperator.spec.revision", "Revision string"},
      {"istiooperator.spec.hub", "Hub string"},
      {"istiooperator.spec.profile", "Profile string"},
      {"istiooperator.spec.components", "Components *IstioComponentSpec"},
      {"istiooperator.spec.components.pilot.enabled", "Enabled *BoolValue"},
      {"istiooperator.spec.components.ingressGateways.name", "Name string"},
      {"istiooperator.spec.components.ingressGateways.k8s.nodeSelector", "NodeSelector map[string]string"},
      {"istiooperator.spec.meshConfig", "MeshConfig json.RawMessage"},
  };
  // kubectl explain wraps descriptions at its own width: compare with runs of spaces as one.
  auto words = [](const std::string& text) {
    std::string out;
    for (char c : text) {
      bool space = c == ' ' || c == '\n' || c == '\t';
      if (space && (out.empty() || out.back() == ' ')) continue;
      out += space ? ' ' : c;
    }
    return out;
  };
  for (const auto& field : fields) {
    const std::string& path = field.first;  // (a lambda cannot capture a structured binding in clang 14)
    const std::string expected = words(istioDoc(field.second));
    iop::test::ProcessResult explained;
    // The API server publishes a new CRD's schema to OpenAPI a moment after it is established.
    bool shown = iop::test::eventually(
        [&] {
          explained = kubectl({"explain", path});
          return words(explained.out).find(expected) != std::string::npos;
        },
        std::chrono::seconds(30));
    INFO(path << ": expected Istio's \"" << expected << "\" in:\n" << explained.out);
    CHECK(shown);
    // The field's own description (its sub-fields' follow FIELDS:, some of which Istio leaves bare).
    CHECK(explained.out.substr(0, explained.out.find("FIELDS:")).find("<no description>") ==
          std::string::npos);
  }
}
