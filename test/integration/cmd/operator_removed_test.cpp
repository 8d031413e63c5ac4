// An operator is removed from under it (`iop operator remove`, or its RBAC deleted by hand) while
// it runs as its Deployment would, with its ServiceAccount's token: it must say so in words and
// exit 0, not log refusals and die with "leader election lost".
#include <catch2/catch.hpp>

#include "test/support/cluster.h"
#include "test/support/eventually.h"
#include "test/support/operator_process.h"

using iop::test::kubectl;
using iop::test::uniqueName;

TEST_CASE("an operator whose Lease or RBAC is removed says it was removed and exits 0",
          "[operator][removed]") {
  auto opNs = uniqueName("iop-gone");
  auto rev = uniqueName("gone");
  auto init = iop::test::run({IOP_BINARY, "operator", "init", "--kubeconfig", iop::test::kubeconfigPath(),
                              "--revision", rev, "--operatorNamespace", opNs, "--watchedNamespaces", opNs});
  INFO(init.out);
  REQUIRE(init.exitCode == 0);
  iop::test::OperatorProcess op(iop::test::launchFromDeployment(IOP_BINARY, opNs, "istio-operator-" + rev),
                                "removed-" + rev);
  INFO("operator log: " << op.logPath());
  REQUIRE(op.waitReady());
  REQUIRE(iop::test::eventually([&] { return op.log().find("acquired the lease") != std::string::npos; }));

  std::string why;
  SECTION("iop operator remove --revision R (its Lease goes first, then its RBAC)") {
    auto removed = iop::test::run({IOP_BINARY, "operator", "remove", "--kubeconfig",
                                   iop::test::kubeconfigPath(), "--revision", rev, "-y"});
    INFO(removed.out);
    REQUIRE(removed.exitCode == 0);
    CHECK_THAT(removed.out, Catch::Contains("removed Lease " + opNs + "/iop-" + rev + "-leader"));
    why = "";  // the Lease deleted or the RBAC gone, whichever its next renewal meets first
  }
  SECTION("its RoleBinding deleted by hand: the API server refuses its Lease") {
    REQUIRE(kubectl({"-n", opNs, "delete", "rolebinding", "istio-operator-" + rev}).exitCode == 0);
    why = "the API server refuses its ServiceAccount";
  }
  CHECK(op.wait(std::chrono::seconds(20)) == 0);
  std::string log = op.log();
  INFO(log);
  CHECK_THAT(log, Catch::Contains("the operator of revision \"" + rev + "\" was removed"));
  CHECK_THAT(log, Catch::Contains(why));
  CHECK_THAT(log, !Catch::Contains("leader election lost"));
  iop::test::run({IOP_BINARY, "operator", "remove", "--kubeconfig", iop::test::kubeconfigPath(), "--revision",
                  rev, "-y", "--force"});
  kubectl({"delete", "namespace", opNs, "--wait=false"});
}
