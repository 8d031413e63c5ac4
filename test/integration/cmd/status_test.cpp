// `iop status` as a CI gate (healthy exits 0: test/e2e/readme_paths_test.cpp, in a cluster of its
// own): a CR that no running operator handles, or one whose workloads are not ready, is named and
// exits 1; -o json says the same as data.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "reconcilers/operator/operator_install.h"
#include "test/integration/reconcilers/operator_test_support.h"
#include "test/support/iop_cli.h"

using iop::test::iopCli;
using iop::test::uniqueName;
using namespace iop::reconcilers::testing;
using namespace std::chrono_literals;

namespace {

// The entry of `iop status -o json` for IstioOperator ns/name (null when absent).
json statusOf(const json& overview, const std::string& ns, const std::string& name) {
  for (const auto& cr : overview["istioOperators"])
    if (cr["namespace"] == ns && cr["name"] == name) return cr;
  return json();
}

}  // namespace

TEST_CASE("iop status: a CR HEALTHY under a running operator, one no operator handles, one not ready",
          "[status]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-status");
  const std::string rev = uniqueName("st");
  // With a Lease of its revision, as `iop run` holds one: that is how status knows it runs.
  RunningOperator op(rev, ns.name(), [&](iop::reconcilers::OperatorOptions& o) {
    iop::controller::LeaderElectionConfig le;
    le.leaseNamespace = ns.name();
    le.leaseName = iop::reconcilers::leaseName(rev);
    le.identity = "status-test";
    o.leaderElection = le;
  });

  applyCR(*admin, gatewayCR(ns.name(), "gateways", rev, {{"gw-ok", true}}));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "gateways") == "HEALTHY"; }, 40s));

  SECTION("handled and ready 1/1; its one problem (exit 1) is the missing control plane") {
    auto r = iopCli({"status", "-o", "json"});
    INFO(r.out);
    CHECK(r.exitCode == 1);
    json overview = json::parse(r.out.substr(r.out.find('{')));
    json gw = statusOf(overview, ns.name(), "gateways");
    REQUIRE(gw.is_object());
    CHECK(gw["handledByRunningOperator"] == true);
    CHECK(gw["status"] == "HEALTHY");
    REQUIRE(gw["workloads"].size() == 1);
    CHECK(gw["workloads"][0]["ready"] == 1);
    CHECK(gw["workloads"][0]["desired"] == 1);
    REQUIRE(gw["problems"].size() == 1);
    CHECK_THAT(gw["problems"][0].get<std::string>(), Catch::Contains("no control plane of revision " + rev));
  }
  SECTION("a CR of a revision no operator runs for: named, exit 1") {
    const std::string stray = uniqueName("nobody");
    applyCR(*admin, gatewayCR(ns.name(), "stray", stray, {{"gw-stray", true}}));
    auto r = iopCli({"status"});
    INFO(r.out);
    CHECK(r.exitCode == 1);
    CHECK_THAT(r.out, Catch::Contains("IstioOperator " + ns.name() + "/stray: no operator of revision " +
                                      stray + " is running"));
    CHECK_THAT(r.out, Catch::Contains("NO RUNNING OPERATOR"));
  }
  SECTION("a gateway whose pods cannot be scheduled: not ready, exit 1") {
    json cr = gatewayCR(ns.name(), "gateways", rev, {{"gw-ok", true}});
    cr["spec"]["components"]["ingressGateways"][0]["k8s"] = {
        {"nodeSelector", {{"iop-test/pool", "nowhere"}}}};
    applyCR(*admin, cr);
    bool reported = eventually(
        [&] {
          auto r = iopCli({"status"});
          return r.exitCode == 1 && r.out.find("Deployment " + ns.name() + "/gw-ok: ") != std::string::npos;
        },
        30s);
    auto r = iopCli({"status"});
    INFO(r.out);
    CHECK(reported);
  }
}
