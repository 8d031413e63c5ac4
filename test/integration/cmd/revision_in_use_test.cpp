// The operator's safety rule, applied by the CLI with the same check: a control plane does not go
// while namespaces select its revision or running pods have its sidecar, unless forced.
#include <catch2/catch.hpp>
#include <fstream>

#include "test/support/cluster.h"
#include "test/support/eventually.h"
#include "test/support/iop_cli.h"

using iop::test::iopCli;
using iop::test::kubectl;
using iop::test::uniqueName;

TEST_CASE("iop uninstall --revision R refuses while a namespace selects R, and --force goes ahead",
          "[uninstall][safety]") {
  auto ns = uniqueName("iop-inuse");
  auto apps = uniqueName("apps");
  auto rev = uniqueName("ru");
  REQUIRE(kubectl({"create", "namespace", ns}).exitCode == 0);
  REQUIRE(kubectl({"create", "namespace", apps}).exitCode == 0);
  std::string file = "/tmp/" + ns + ".yaml";
  std::ofstream(file) << "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: cp\n"
                         "spec:\n  profile: minimal"
                      << "\n  values:\n    global:\n      istioNamespace: " << ns
                      << "\n  components:\n    base:\n      enabled: false\n";
  auto installed = iopCli({"install", "-f", file, "-n", ns, "--revision", rev, "-y"});
  INFO(installed.out);
  REQUIRE(installed.exitCode == 0);
  REQUIRE(kubectl({"label", "namespace", apps, "istio.io/rev=" + rev}).exitCode == 0);

  auto refused = iopCli({"uninstall", "--revision", rev, "-y"});
  INFO(refused.out);
  CHECK(refused.exitCode == 1);
  CHECK_THAT(refused.out, Catch::Contains("namespaces still select revision " + rev));
  CHECK_THAT(refused.out, Catch::Contains(apps));
  CHECK_THAT(refused.out, Catch::Contains("--force"));
  CHECK(kubectl({"-n", ns, "get", "deployment", "istiod-" + rev}).exitCode == 0);  // nothing removed

  auto forced = iopCli({"uninstall", "--revision", rev, "-y", "--force"});
  INFO(forced.out);
  CHECK(forced.exitCode == 0);
  CHECK(kubectl({"-n", ns, "get", "deployment", "istiod-" + rev}).exitCode != 0);
  kubectl({"delete", "namespace", ns, apps, "--wait=false"});
  std::remove(file.c_str());
}

TEST_CASE(
    "iop operator remove --revision R refuses while a namespace selects R or a pod runs its sidecar, and "
    "--force goes ahead",
    "[operator][safety]") {
  auto opns = uniqueName("iop-opinuse");
  auto apps = uniqueName("apps");
  auto rev = uniqueName("ro");
  auto init = iopCli(
      {"operator", "init", "--revision", rev, "--operator-namespace", opns, "--watched-namespaces", opns});
  INFO(init.out);
  REQUIRE(init.exitCode == 0);
  REQUIRE(kubectl({"create", "namespace", apps}).exitCode == 0);
  REQUIRE(kubectl({"label", "namespace", apps, "istio.io/rev=" + rev}).exitCode == 0);

  auto refused = iopCli({"operator", "remove", "--revision", rev, "-y"});
  INFO(refused.out);
  CHECK(refused.exitCode == 1);
  CHECK_THAT(refused.out, Catch::Contains("namespaces still select revision " + rev +
                                          " (label istio.io/rev=" + rev + "): " + apps));
  CHECK(kubectl({"-n", opns, "get", "deployment", "istio-operator-" + rev}).exitCode == 0);

  // The namespace moved on; its pod, not restarted yet, still runs the revision's sidecar.
  REQUIRE(kubectl({"label", "namespace", apps, "istio.io/rev-"}).exitCode == 0);
  REQUIRE(kubectl({"-n", apps, "run", "web", "--image=nginx", "--labels=security.istio.io/tlsMode=istio",
                   "--annotations=istio.io/rev=" + rev})
              .exitCode == 0);
  REQUIRE(iop::test::eventually([&] {
    return iop::test::kubectlJsonpath({"-n", apps, "get", "pod", "web"}, "{.status.phase}") == "Running";
  }));
  auto held = iopCli({"operator", "remove", "--revision", rev, "-y"});
  INFO(held.out);
  CHECK(held.exitCode == 1);
  CHECK_THAT(held.out, Catch::Contains("1 running pod still has revision " + rev + "'s sidecar (" + apps +
                                       ": 1); restart their workloads first, once their namespaces select "
                                       "another revision (kubectl rollout restart deployment -n " +
                                       apps + ")"));
  CHECK_THAT(held.out, !Catch::Contains("namespaces still select"));
  CHECK(kubectl({"-n", opns, "get", "deployment", "istio-operator-" + rev}).exitCode == 0);

  auto forced = iopCli({"operator", "remove", "--revision", rev, "-y", "--force"});
  INFO(forced.out);
  CHECK(forced.exitCode == 0);
  CHECK(kubectl({"-n", opns, "get", "deployment", "istio-operator-" + rev}).exitCode != 0);
  kubectl({"delete", "namespace", opns, apps, "--wait=false"});
}
