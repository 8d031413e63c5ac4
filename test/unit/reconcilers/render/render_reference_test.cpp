// The two IstioOperators of the reference page (reference/gateway-revisions-upgrade.zh.md):
// a control plane with profile minimal, canaried from 1-8-0 to 1-8-1, and the gateways in a
// CR of their own with profile empty, moved from one revision to the next.
#include <catch2/catch.hpp>

#include "test/unit/reconcilers/render/render_fixture.h"

using namespace iop::reconcilers;
using namespace iop::reconcilers::testing;
using nlohmann::json;

namespace {

std::string controlPlane(const std::string& rev) {
  return "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: control-plane-" +
         rev + "\nspec:\n  profile: minimal\n  revision: " + rev + "\n";
}

std::string gateways(const std::string& rev) {
  return "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: gateway\nspec:\n"
         "  profile: empty\n  revision: " +
         rev +
         "\n  components:\n    ingressGateways:\n      - name: istio-ingressgateway\n        enabled: true\n";
}

}  // namespace

TEST_CASE("Reference control plane: minimal profile one revisioned istiod and no gateway",
          "[render][reference]") {
  auto r = renderYaml(controlPlane("1-8-0"));
  CHECK(names(r, "Deployment") == std::vector<std::string>{"istiod-1-8-0"});
  CHECK(r.component(kIngressGateways).empty());
  CHECK(r.component(kBase).size() == 16);  // 15 CRDs and the reader service account
  const json& d = object(r, "Deployment", "istiod-1-8-0");
  CHECK(d["metadata"]["labels"]["install.operator.istio.io/owning-resource"] == "control-plane-1-8-0");
  CHECK(d["spec"]["template"]["metadata"]["labels"]["app"] == "istiod");
}

TEST_CASE("Reference canary: the 1-8-1 control plane shares no namespaced object name with 1-8-0",
          "[render][reference]") {
  auto a = renderYaml(controlPlane("1-8-0"));
  auto b = renderYaml(controlPlane("1-8-1"));
  std::set<std::string> namesA;
  for (const auto& o : a.component(kPilot))
    namesA.insert(o["kind"].get<std::string>() + "/" + o["metadata"]["name"].get<std::string>());
  for (const auto& o : b.component(kPilot)) {
    CHECK_FALSE(namesA.count(o["kind"].get<std::string>() + "/" + o["metadata"]["name"].get<std::string>()));
  }
  CHECK(findObject(b, "Deployment", "istiod-1-8-1"));
}

TEST_CASE("Reference gateways: profile empty renders only the named ingress gateway", "[render][reference]") {
  auto r = renderYaml(gateways("1-8-0"));
  for (const auto& o : r.objects) CHECK(o.component == kIngressGateways);
  const json& d = object(r, "Deployment", "istio-ingressgateway");
  CHECK(d["metadata"]["labels"]["install.operator.istio.io/owning-resource"] == "gateway");
  CHECK(d["spec"]["template"]["metadata"]["labels"]["service.istio.io/canonical-revision"] == "1-8-0");

  auto upgraded = renderYaml(gateways("1-8-1"));
  const json& u = object(upgraded, "Deployment", "istio-ingressgateway");
  CHECK(u["spec"]["template"]["metadata"]["labels"]["service.istio.io/canonical-revision"] == "1-8-1");
  CHECK(u["spec"]["template"]["metadata"]["labels"]["istio.io/rev"] == "1-8-1");
  CHECK(u["spec"]["selector"] == d["spec"]["selector"]);  // same Deployment, upgraded in place
}

TEST_CASE("Reference gateways with the page's typo fail with a pointer to the right field",
          "[render][reference]") {
  std::string typo = gateways("1-8-0");
  typo.replace(typo.find("ingressGateways"), 15, "ingressGateway");
  auto parsed = composeIstioOperator({{"gateway.yaml", typo}}, {}, *IstioManifests::compiledIn());
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.errors[0].str() ==
        "spec.components.ingressGateway: unknown field; did you mean ingressGateways?");
}

TEST_CASE("Several files and --set flags compose one CR later wins", "[render][inputs]") {
  const IstioManifests& profiles = *IstioManifests::compiledIn();
  auto parsed = composeIstioOperator(
      {{"a.yaml", controlPlane("1-8-0")}, {"b.yaml", "spec:\n  hub: example.com/istio\n"}},
      {"revision=1-8-1", "values.global.logAsJson=true", "spec.tag=1.8.1"}, profiles);
  REQUIRE(parsed.ok());
  CHECK(parsed.iop->revision() == "1-8-1");
  CHECK(parsed.iop->spec["hub"] == "example.com/istio");
  CHECK(parsed.iop->spec["tag"] == "1.8.1");
  CHECK(parsed.iop->spec["values"]["global"]["logAsJson"] == true);
  CHECK(parsed.iop->name == "control-plane-1-8-0");

  auto bad = composeIstioOperator({}, {"components.ingressGateways.[name:x].enabled=true"}, profiles);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.errors[0].path == "--set components.ingressGateways.[name:x].enabled=true");
}
