// `iop status` judges a cluster from its listing: which IstioOperators are handled by a running
// operator (a fresh Lease of their revision) and up, what `iop install` installed, and which
// revisions namespaces select.
#include "reconcilers/operator/status_overview.h"

#include <catch2/catch.hpp>

#include "controller/lease_record.h"

using namespace iop::reconcilers;
using json = nlohmann::json;
using std::chrono::seconds;

namespace {

const auto kNow = std::chrono::system_clock::now();

json cr(const std::string& name, const std::string& revision, const std::string& status, int generation = 1,
        int observed = 1) {
  json o = {{"metadata", {{"name", name}, {"namespace", "istio-system"}, {"generation", generation}}},
            {"spec", {{"revision", revision}}}};
  if (!status.empty())
    o["status"] = {{"status", status},
                   {"observedGeneration", observed},
                   {"conditions", json::array({{{"type", "Ready"},
                                                {"status", status == "HEALTHY" ? "True" : "False"},
                                                {"message", "waiting for Deployment istio-system/x"}}})}};
  return o;
}

json lease(const std::string& revision, seconds ago, const std::string& holder = "pod-1") {
  return {{"metadata", {{"name", "iop-" + revision + "-leader"}, {"namespace", "istio-operator"}}},
          {"spec",
           {{"holderIdentity", holder},
            {"leaseDurationSeconds", 15},
            {"renewTime", iop::controller::microTime(kNow - ago)}}}};
}

json workload(const std::string& name, const std::string& owner, const std::string& revision,
              const std::string& component, int available) {
  return {{"kind", "Deployment"},
          {"metadata",
           {{"name", name},
            {"namespace", "istio-system"},
            {"generation", 1},
            {"labels",
             {{"app", component == "Pilot" ? "istiod" : name},
              {"install.operator.istio.io/owning-resource", owner},
              {"install.operator.istio.io/owning-resource-namespace", "istio-system"},
              {"istio.io/rev", revision},
              {"operator.istio.io/component", component}}}}},
          {"spec", {{"replicas", 1}}},
          {"status",
           {{"observedGeneration", 1},
            {"replicas", 1},
            {"updatedReplicas", 1},
            {"availableReplicas", available}}}};
}

json ns(const std::string& name, const std::string& revision) {
  return {{"metadata", {{"name", name}, {"labels", {{"istio.io/rev", revision}}}}}};
}

}  // namespace

TEST_CASE("a cluster whose CRs are HEALTHY under a running operator is healthy", "[status]") {
  ClusterListing l;
  l.istioOperators = {cr("control-plane-1-8-0", "1-8-0", "HEALTHY")};
  l.leases = {lease("1-8-0", seconds(2))};
  l.workloads = {workload("istiod-1-8-0", "control-plane-1-8-0", "1-8-0", "Pilot", 1)};
  l.namespaces = {ns("demo-app", "1-8-0"), json{{"metadata", {{"name", "default"}}}}};
  auto o = computeOverview(l, kNow);
  INFO(overviewJson(o).dump(2));
  CHECK(o.healthy());
  REQUIRE(o.istioOperators.size() == 1);
  CHECK(o.istioOperators[0].handled);
  REQUIRE(o.istioOperators[0].workloads.size() == 1);
  CHECK(o.istioOperators[0].workloads[0].ready == 1);
  REQUIRE(o.revisions.size() == 1);
  CHECK(o.revisions[0].namespaces == std::vector<std::string>{"demo-app"});
  CHECK(o.revisions[0].controlPlanes == std::vector<std::string>{"istio-system/istiod-1-8-0"});
  CHECK(overviewJson(o)["healthy"] == true);
}

TEST_CASE("a CR no running operator handles is shown as such, whatever its status says", "[status]") {
  ClusterListing l;
  l.istioOperators = {cr("stray", "9-9-9", ""), cr("old", "1-8-0", "HEALTHY")};
  l.leases = {lease("1-8-0", seconds(120))};  // its operator stopped two minutes ago
  auto o = computeOverview(l, kNow);
  CHECK_FALSE(o.healthy());
  CHECK_FALSE(o.istioOperators[0].handled);
  CHECK_THAT(o.istioOperators[0].problems[0], Catch::Contains("no operator of revision 9-9-9 is running"));
  CHECK_THAT(o.istioOperators[0].problems[0], Catch::Contains("iop operator init --revision 9-9-9"));
  CHECK_FALSE(o.istioOperators[1].handled);
  CHECK_THAT(o.istioOperators[1].problems[0], Catch::Contains("no operator of revision 1-8-0 is running"));
  auto released = computeOverview({.leases = {lease("1-8-0", seconds(1), "")}}, kNow);
  CHECK_FALSE(released.revisions[0].operatorState.running);  // released on a clean stop
}

TEST_CASE(
    "not ready: an old generation, a non-HEALTHY status, a workload short of replicas, a gateway "
    "without its control plane, a revision selected but not installed",
    "[status]") {
  ClusterListing l;
  l.istioOperators = {cr("moved", "1-8-1", "HEALTHY", 2, 1), cr("waiting", "1-8-1", "RECONCILING")};
  l.istioOperators[1]["status"]["conditions"].push_back(
      {{"type", "ControlPlaneFound"},
       {"status", "False"},
       {"message", "no control plane of revision 1-8-1 is installed"}});
  l.leases = {lease("1-8-1", seconds(1))};
  l.workloads = {workload("istio-ingressgateway", "waiting", "1-8-1", "IngressGateways", 0),
                 workload("istiod-1-8-0", "control-plane", "1-8-0", "Pilot", 0)};  // by iop install
  l.namespaces = {ns("shop", "2-0-0")};
  auto o = computeOverview(l, kNow);
  std::string all;
  for (const auto& p : o.problems) all += p + "\n";
  INFO(all);
  CHECK_THAT(all, Catch::Contains("IstioOperator istio-system/moved: its spec changed (generation 2)"));
  CHECK_THAT(all, Catch::Contains("IstioOperator istio-system/waiting: status RECONCILING: waiting for"));
  CHECK_THAT(all, Catch::Contains("IstioOperator istio-system/waiting: no control plane of revision 1-8-1"));
  CHECK_THAT(all, Catch::Contains("IstioOperator istio-system/waiting: Deployment "
                                  "istio-system/istio-ingressgateway: 1/1 updated, 0/1 available"));
  CHECK_THAT(all, Catch::Contains(
                      "installation istio-system/control-plane@1-8-0: Deployment istio-system/istiod-1-8-0"));
  CHECK_THAT(all, Catch::Contains("revision 2-0-0: namespaces select it but it has no control plane: shop"));
  REQUIRE(o.installations.size() == 1);
  CHECK(o.installations[0].owner == "istio-system/control-plane");
}

TEST_CASE("namespaces selecting a tag count for the revision it points at, not as a revision of their own",
          "[status][tag]") {
  auto tagWebhook = [](const std::string& tag, const std::string& revision) {
    return json{{"metadata",
                 {{"name", "istio-revision-tag-" + tag},
                  {"labels", {{"istio.io/tag", tag}, {"istio.io/rev", revision}}}}}};
  };
  ClusterListing l;
  l.istioOperators = {cr("control-plane-1-8-1", "1-8-1", "HEALTHY")};
  l.leases = {lease("1-8-1", seconds(2))};
  l.workloads = {workload("istiod-1-8-1", "control-plane-1-8-1", "1-8-1", "Pilot", 1)};
  l.namespaces = {ns("demo-app", "prod-stable"), ns("shop", "canary")};
  l.tagWebhooks = {tagWebhook("prod-stable", "1-8-1"), tagWebhook("canary", "9-9-9")};
  auto o = computeOverview(l, kNow);
  INFO(overviewJson(o).dump(2));
  std::map<std::string, RevisionState> byRevision;
  for (const auto& r : o.revisions) byRevision[r.revision] = r;
  REQUIRE(byRevision.count("1-8-1") == 1);
  CHECK(byRevision["1-8-1"].namespaces.empty());
  CHECK(byRevision["1-8-1"].tags ==
        std::map<std::string, std::vector<std::string>>{{"prod-stable", {"demo-app"}}});
  CHECK(byRevision.count("prod-stable") == 0);
  // A tag pointing at a revision without a control plane leaves its namespaces without sidecars.
  REQUIRE(o.problems.size() == 1);
  CHECK(o.problems[0] ==
        "revision 9-9-9: namespaces select it through tag canary but it has no control plane: shop");
}
