// The IstioOperator CRD in crds/ is what users' `kubectl apply` meets first: it must accept the
// CRs of the revision-upgrade guide and reject what the API server can judge on its own.
#include <catch2/catch.hpp>

#include "test/support/cluster.h"

using iop::test::kubectl;
using iop::test::uniqueName;

namespace {

void installCRD() {
  auto r = kubectl(
      {"apply", "--server-side", "--force-conflicts", "-f", IOP_SOURCE_DIR "/crds/istiooperator.yaml"});
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
