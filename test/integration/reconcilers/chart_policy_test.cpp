// The pod-security policy (object_policy.h) bounds what a CR's overlays, `k8s` settings and values
// add; it must let through exactly what Istio's own charts render for its components. Renders the
// pinned Istio's charts (scripts/fetch-istio.sh, from the Go module proxy) with Helm
// (helm/build-helm.sh), with their defaults and every platform profile they ship, and checks that
// the default level (baseline, node agents exempted as object_policy.cpp lists) finds nothing in
// them. No cluster is needed.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "base/yaml_json.h"
#include "reconcilers/render/object_policy.h"
#include "test/support/process.h"

using iop::test::run;
using json = nlohmann::json;

namespace {

std::string lastLine(const std::string& s) {
  auto end = s.find_last_not_of('\n');
  if (end == std::string::npos) return "";
  auto start = s.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return s.substr(start, end - start + 1);
}

// `helm template` of one of Istio's charts, as objects.
std::vector<json> renderChart(const std::string& helm, const std::string& chart,
                              const std::vector<std::string>& sets) {
  std::vector<std::string> argv{helm, "template", "istio", chart, "--namespace", "istio-system"};
  for (const auto& s : sets) {
    argv.push_back("--set");
    argv.push_back(s);
  }
  auto out = run(argv, "", /*withStderr=*/false);
  const std::string why = out.exitCode == 0 ? "" : run(argv).out;  // with stderr, to say why
  INFO(chart << ": " << why);
  REQUIRE(out.exitCode == 0);
  std::vector<json> objects;
  for (auto& o : iop::base::yamlDocumentsToJson(out.out))
    if (o.is_object()) objects.push_back(std::move(o));
  return objects;
}

}  // namespace

TEST_CASE("what Istio's own charts render for each component meets the default pod-security policy",
          "[policy][charts]") {
  const std::string helm = lastLine(run({IOP_SOURCE_DIR "/helm/build-helm.sh"}).out);
  const std::string manifests = lastLine(run({IOP_SOURCE_DIR "/scripts/fetch-istio.sh"}).out);
  REQUIRE_FALSE(helm.empty());
  REQUIRE_FALSE(manifests.empty());
  const std::string charts = manifests + "/charts";

  struct Case {
    std::string component;  // render's component name
    std::string chart;
    std::vector<std::string> sets;
  };
  std::vector<Case> cases = {
      {"Base", "base", {}},
      {"Pilot", "istio-control/istio-discovery", {}},
      {"Pilot", "istio-control/istio-discovery", {"profile=ambient"}},
      {"IngressGateways", "gateways/istio-ingress", {}},
      {"EgressGateways", "gateways/istio-egress", {}},
  };
  // The node agents, on every platform their charts have a profile for, in sidecar and ambient
  // mode, and with the host network shared.
  for (const std::string platform : {"", "gke", "k3d", "k3s", "microk8s", "minikube", "openshift"}) {
    const std::string p = "global.platform=" + platform;
    cases.push_back({"Cni", "istio-cni", {p}});
    cases.push_back({"Cni", "istio-cni", {p, "profile=ambient"}});
    cases.push_back(
        {"Cni", "istio-cni", {p, "ambient.enabled=true", "ambient.shareHostNetworkNamespace=true"}});
    cases.push_back({"Ztunnel", "ztunnel", {p}});
  }

  std::size_t podTemplates = 0;
  for (const auto& c : cases) {
    std::string sets;
    for (const auto& s : c.sets) sets += " --set " + s;
    for (const auto& o : renderChart(helm, charts + "/" + c.chart, c.sets)) {
      const std::string kind = o.value("kind", "");
      if (kind == "Deployment" || kind == "DaemonSet") ++podTemplates;
      for (auto level : {iop::reconcilers::PodSecurityLevel::Baseline}) {
        INFO(c.chart << sets << ": " << kind << " " << o["metadata"].value("name", ""));
        CHECK(iop::reconcilers::podSecurityViolations(o, level, c.component) == std::vector<std::string>{});
      }
    }
  }
  // The charts did render workloads (a wrong chart path would check nothing).
  CHECK(podTemplates >= cases.size() - 1);

  // The exemptions are the node agents', not any DaemonSet's: istio-cni's DaemonSet as another
  // component's is refused.
  auto cni = renderChart(helm, charts + "/istio-cni", {});
  bool refused = false;
  for (const auto& o : cni)
    if (o.value("kind", "") == "DaemonSet")
      refused |= !iop::reconcilers::podSecurityViolations(o, iop::reconcilers::PodSecurityLevel::Baseline,
                                                          "IngressGateways")
                      .empty();
  CHECK(refused);
}
