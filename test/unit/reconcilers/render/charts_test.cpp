// iop renders Istio's own charts: what the release defines comes out, whole, for any version.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "reconcilers/render/chart_objects.h"
#include "reconcilers/render/render.h"
#include "template/go_yaml.h"
#include "test/support/istio_release.h"
#include "test/unit/reconcilers/render/render_fixture.h"

using namespace iop::reconcilers;
using namespace iop::reconcilers::testing;
using nlohmann::json;

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

const char* kControlPlane =
    "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: cp, namespace: istio-system}\n"
    "spec:\n  revision: 1-8-0\n";

}  // namespace

TEST_CASE("The injector ConfigMap carries every injection template of the release", "[render][charts]") {
  auto r = renderYaml(kControlPlane);
  const json& cm = object(r, "ConfigMap", "istio-sidecar-injector-1-8-0");
  auto config = iop::tmpl::parseYaml(cm["data"]["config"].get<std::string>());
  REQUIRE(config.ok());
  const json& templates = (*config)["templates"];
  const std::string files = iop::test::istioManifestsDir() + "/charts/istio-control/istio-discovery/files/";
  const std::pair<const char*, const char*> expected[] = {{"sidecar", "injection-template.yaml"},
                                                          {"gateway", "gateway-injection-template.yaml"},
                                                          {"grpc-simple", "grpc-simple.yaml"},
                                                          {"grpc-agent", "grpc-agent.yaml"},
                                                          {"waypoint", "waypoint.yaml"},
                                                          {"kube-gateway", "kube-gateway.yaml"},
                                                          {"agentgateway", "agentgateway.yaml"},
                                                          {"agentgateway-waypoint", "agentgateway-waypoint.yaml"}};
  for (const auto& [name, file] : expected) {
    INFO(name);
    REQUIRE(templates.contains(name));
    CHECK(trim(templates[name].get<std::string>()) == trim(readFile(files + file)));
  }
  // istiod reads its values from the same ConfigMap.
  CHECK(cm["data"].contains("values"));
}

TEST_CASE("Base installs Istio's CRDs with their schemas, all of them", "[render][charts]") {
  auto r = renderYaml(kControlPlane);
  std::set<std::string> rendered;
  for (const auto& o : r.objects) {
    if (o.object["kind"] != "CustomResourceDefinition") continue;
    rendered.insert(o.object["metadata"]["name"].get<std::string>());
    for (const auto& v : o.object["spec"]["versions"]) {
      INFO(o.object["metadata"]["name"] << " " << v["name"]);
      CHECK(v["schema"]["openAPIV3Schema"]["properties"].contains("spec"));
    }
  }
  std::set<std::string> release;
  std::string all = readFile(iop::test::istioManifestsDir() + "/charts/base/files/crd-all.gen.yaml");
  for (const auto& doc : splitYamlDocuments(all)) {
    auto crd = iop::tmpl::parseYaml(doc);
    REQUIRE(crd.ok());
    if (crd->is_object()) release.insert((*crd)["metadata"]["name"].get<std::string>());
  }
  CHECK(release.size() > 10);
  CHECK(rendered == release);
  CHECK(rendered.count("virtualservices.networking.istio.io"));
}

TEST_CASE("The ambient profile renders ztunnel and istio-cni", "[render][charts]") {
  auto r = renderYaml(
      "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: amb, namespace: istio-system}\n"
      "spec:\n  profile: ambient\n");
  const json& ztunnel = object(r, "DaemonSet", "ztunnel");
  CHECK(ztunnel["metadata"]["labels"]["operator.istio.io/component"] == "Ztunnel");
  CHECK(container(ztunnel)["name"] == "istio-proxy");
  object(r, "DaemonSet", "istio-cni-node");
  CHECK(r.warnings.empty());
}

TEST_CASE("A CR's installPackagePath renders that directory's charts", "[render][charts]") {
  iop::test::ManifestsCopy copy;
  copy.write("charts/gateways/istio-ingress/templates/zz-marker.yaml",
             "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: marker-{{ index .Values.gateways \"istio-ingressgateway\" \"name\" "
             "}}\n  namespace: {{ .Release.Namespace }}\n");
  auto r = renderYaml("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: gw}\n"
                      "spec:\n  profile: empty\n  installPackagePath: " +
                      copy.dir() +
                      "\n  components:\n    ingressGateways:\n    - {name: gw-a, enabled: true, namespace: gws}\n");
  const json& marker = object(r, "ConfigMap", "marker-gw-a");
  CHECK(marker["metadata"]["namespace"] == "gws");
}

TEST_CASE("A broken template is an error with its file and line, and nothing renders", "[render][charts]") {
  iop::test::ManifestsCopy copy;
  copy.write("charts/istio-control/istio-discovery/templates/zz-broken.yaml",
             "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ .Values.global.hub | nosuchfunction }}\n");
  auto parsed = composeIstioOperator({{"cp.yaml", kControlPlane}}, {"installPackagePath=" + copy.dir()},
                                     *IstioManifests::compiledIn());
  REQUIRE(parsed.ok());
  auto r = render(*parsed.iop, {.iopVersion = "t"});
  REQUIRE_FALSE(r.ok());
  CHECK(r.objects.empty());
  std::string all;
  for (const auto& e : r.errors) all += e.str() + "\n";
  CHECK_THAT(all, Catch::Contains("zz-broken.yaml:6"));
  CHECK_THAT(all, Catch::Contains("nosuchfunction"));
}

TEST_CASE("A directory that is not Istio's manifests is refused naming what is missing", "[render][charts]") {
  iop::test::ManifestsCopy copy;
  std::filesystem::remove_all(copy.dir() + "/charts/ztunnel");
  auto m = IstioManifests::fromDirectory(copy.dir());
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(m.error().message, Catch::Contains("charts/ztunnel/Chart.yaml"));
  auto none = IstioManifests::fromDirectory(copy.dir() + "/nope");
  REQUIRE_FALSE(none.ok());
  CHECK_THAT(none.error().message, Catch::Contains("does not exist"));
}

TEST_CASE("Charts are parsed once and an unchanged directory is not read again", "[render][charts]") {
  auto builtin = IstioManifests::compiledIn();
  auto a = builtin->chart("base");
  auto b = builtin->chart("base");
  REQUIRE(a.ok());
  CHECK(*a == *b);
  iop::test::ManifestsCopy copy;
  auto d1 = IstioManifests::fromDirectory(copy.dir());
  auto d2 = IstioManifests::fromDirectory(copy.dir());
  REQUIRE(d1.ok());
  CHECK(d1->get() == d2->get());
  copy.write("profiles/extra.yaml", "spec: {}\n");
  auto d3 = IstioManifests::fromDirectory(copy.dir());
  REQUIRE(d3.ok());
  CHECK(d3->get() != d1->get());
  CHECK((*d3)->profileNames().count("extra"));
}

TEST_CASE("Another Istio version's manifests render with that version's charts", "[render][charts]") {
  const std::string older = iop::test::istioManifestsDir("v0.0.0-20260423205519-b01690e6db7d");
  auto m = IstioManifests::fromDirectory(older);
  REQUIRE(m.ok());
  auto parsed = composeIstioOperator({{"cp.yaml", kControlPlane}}, {}, **m);
  REQUIRE(parsed.ok());
  auto r = render(*parsed.iop, {.iopVersion = "t", .manifests = *m});
  INFO((r.errors.empty() ? std::string() : r.errors.front().str()));
  REQUIRE(r.ok());
  const json& deploy = object(r, "Deployment", "istiod-1-8-0");
  CHECK(container(deploy)["name"] == "discovery");
}
