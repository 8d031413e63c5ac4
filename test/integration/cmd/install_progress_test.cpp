// `iop install` while it waits and when it gives up: which workloads are not ready yet, and the
// reason the cluster gives for each, read from its pods, ReplicaSets and their events. The
// failures are real ones of the test cluster: the scheduler finds no node for a nodeSelector no
// node has, a quota refuses pods, and kwok (test/cluster/kwok-failure-stages.yaml) leaves a
// container of an image in a `.invalid` registry in ImagePullBackOff, as a kubelet would.
#include <catch2/catch.hpp>
#include <fstream>

#include "test/support/cluster.h"
#include "test/support/iop_cli.h"

using iop::test::iopCli;
using iop::test::kubectl;
using iop::test::uniqueName;

namespace {

// A gateway-only IstioOperator into `ns`, with `extra` lines under spec and `k8s` lines under
// the gateway.
std::string gatewayFile(const std::string& ns, const std::string& extra, const std::string& k8s) {
  std::string file = "/tmp/" + ns + ".yaml";
  std::ofstream(file)
      << "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: gateways\n"
         "spec:\n  profile: empty\n  values:\n    global:\n      istioNamespace: "
      << ns << "\n"
      << extra << "  components:\n    ingressGateways:\n    - name: igw\n      enabled: true\n"
      << (k8s.empty() ? "" : "      k8s:\n" + k8s);
  return file;
}

}  // namespace

TEST_CASE("iop install says which workloads it waits for and, on timeout, why the cluster does not run them",
          "[install][progress]") {
  auto ns = uniqueName("iop-wait");
  auto rev = uniqueName("rw");
  REQUIRE(kubectl({"create", "namespace", ns}).exitCode == 0);
  std::string file;
  std::vector<std::string> reasons;
  SECTION("a pod no node can take: the scheduler's FailedScheduling") {
    file = gatewayFile(ns, "", "        nodeSelector: {iop-test/pool: nowhere}\n");
    reasons = {"FailedScheduling", "didn't match Pod's node affinity/selector"};
  }
  SECTION("an image that cannot be pulled: ImagePullBackOff") {
    file = gatewayFile(ns, "  hub: registry.invalid/istio\n", "");
    reasons = {"ImagePullBackOff", "registry.invalid/istio/proxyv2"};
  }
  SECTION("a quota that allows no pod: the ReplicaSet's FailedCreate") {
    REQUIRE(kubectl({"create", "quota", "no-pods", "-n", ns, "--hard=pods=0"}).exitCode == 0);
    file = gatewayFile(ns, "", "");
    reasons = {"FailedCreate", "exceeded quota: no-pods"};
  }
  auto r = iopCli({"install", "-f", file, "-n", ns, "--revision", rev, "-y", "--readiness-timeout", "15s"});
  INFO(r.out);
  CHECK(r.exitCode == 1);
  // While it waited (not a terminal: one line each time what it waits for changes).
  CHECK_THAT(r.out, Catch::Contains("Waiting for 1 workload: Deployment " + ns + "/igw"));
  // When it gave up: the workload, and the cluster's reason.
  CHECK_THAT(r.out, Catch::Contains("error: 1 workload was not ready after 15s (--readiness-timeout):"));
  for (const auto& reason : reasons) CHECK_THAT(r.out, Catch::Contains(reason));

  CHECK(iopCli({"uninstall", "--revision", rev, "-y"}).exitCode == 0);
  kubectl({"delete", "namespace", ns, "--wait=false"});
  std::remove(file.c_str());
}

TEST_CASE("iop install of gateways warns when no control plane of their revision is installed", "[install]") {
  auto ns = uniqueName("iop-nocp");
  auto rev = uniqueName("rn");
  REQUIRE(kubectl({"create", "namespace", ns}).exitCode == 0);
  auto file = gatewayFile(ns, "", "");
  auto r = iopCli({"install", "-f", file, "-n", ns, "--revision", rev, "-y", "--readiness-timeout", "60s"});
  INFO(r.out);
  CHECK(r.exitCode == 0);
  CHECK_THAT(r.out, Catch::Contains("warning: no control plane of revision " + rev + " is installed"));
  // Its pods run (the simulated cluster starts them), but nothing configures them: not "healthy".
  CHECK_THAT(r.out, Catch::Contains("but no control plane of revision " + rev + " configures them yet"));
  CHECK_THAT(r.out, !Catch::Contains("is healthy"));
  CHECK(iopCli({"uninstall", "--revision", rev, "-y"}).exitCode == 0);
  kubectl({"delete", "namespace", ns, "--wait=false"});
  std::remove(file.c_str());
}
