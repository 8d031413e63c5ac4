// `iop install` / `iop uninstall` as a user runs them: the same applier as the operator, once.
#include <catch2/catch.hpp>
#include <fstream>

#include "test/support/cluster.h"
#include "test/support/iop_cli.h"

using iop::test::iopCli;
using iop::test::kubectl;
using iop::test::uniqueName;

TEST_CASE(
    "iop install installs a gateway and waits for it, a second install changes nothing, uninstall "
    "--revision removes it",
    "[install]") {
  auto ns = uniqueName("iop-inst");
  auto rev = uniqueName("ri");
  REQUIRE(kubectl({"create", "namespace", ns}).exitCode == 0);
  std::string file = "/tmp/" + ns + ".yaml";
  std::ofstream(file)
      << "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: gateways\n"
         "spec:\n  profile: empty\n  values:\n    global:\n      istioNamespace: "
      << ns << "\n  components:\n    ingressGateways:\n    - name: igw\n      enabled: true\n";

  auto first =
      iopCli({"install", "-f", file, "-n", ns, "--revision", rev, "-y", "--readiness-timeout", "40"});
  INFO(first.out);
  REQUIRE(first.exitCode == 0);
  CHECK(first.out.find("IngressGateways: 6 applied") != std::string::npos);
  auto rv = kubectl({"-n", ns, "get", "deployment", "igw", "-o", "jsonpath={.metadata.resourceVersion}"});
  REQUIRE(rv.exitCode == 0);

  auto second = iopCli({"install", "-f", file, "-n", ns, "--revision", rev, "-y"});
  INFO(second.out);
  REQUIRE(second.exitCode == 0);
  CHECK(second.out.find("0 applied, 6 unchanged") != std::string::npos);
  CHECK(kubectl({"-n", ns, "get", "deployment", "igw", "-o", "jsonpath={.metadata.resourceVersion}"}).out ==
        rv.out);

  auto removed = iopCli({"uninstall", "--revision", rev, "-y"});
  INFO(removed.out);
  REQUIRE(removed.exitCode == 0);
  CHECK(kubectl({"-n", ns, "get", "deployment", "igw"}).exitCode != 0);
  CHECK(kubectl({"-n", ns, "get", "service", "igw"}).exitCode != 0);
  kubectl({"delete", "namespace", ns, "--wait=false"});
  std::remove(file.c_str());
}
