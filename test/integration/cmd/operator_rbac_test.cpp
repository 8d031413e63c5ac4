// The RBAC `iop operator init` ships is enough for the operator it deploys: the operator runs
// as a local process exactly as its Deployment would (args, env, the ServiceAccount's token).
#include <signal.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include "test/support/cluster.h"
#include "test/support/eventually.h"
#include "test/support/operator_process.h"

using iop::test::eventually;
using iop::test::kubectl;
using iop::test::kubectlJsonpath;
using iop::test::uniqueName;
using json = nlohmann::json;

TEST_CASE(
    "an operator running with the ServiceAccount token init created reconciles the default profile "
    "without a Forbidden",
    "[operator][rbac]") {
  auto opNs = uniqueName("iop-rbac-op");
  auto ns = uniqueName("iop-rbac");
  auto rev = uniqueName("rbac");
  auto init = iop::test::run({IOP_BINARY, "operator", "init", "--kubeconfig", iop::test::kubeconfigPath(),
                              "--revision", rev, "--operatorNamespace", opNs, "--watchedNamespaces", ns});
  INFO(init.out);
  REQUIRE(init.exitCode == 0);

  iop::test::OperatorProcess op(iop::test::launchFromDeployment(IOP_BINARY, opNs, "istio-operator-" + rev),
                                "rbac-" + rev);
  INFO("operator log: " << op.logPath());
  REQUIRE(op.waitReady());

  std::string cr =
      "apiVersion: install.istio.io/v1alpha1\n"
      "kind: IstioOperator\n"
      "metadata:\n  name: control-plane\n  namespace: " +
      ns +
      "\n"
      "spec:\n  profile: default\n  revision: " +
      rev + "\n  values:\n    global:\n      istioNamespace: " + ns + "\n";
  // init created the namespace the operator watches, as istioctl's operator init does.
  REQUIRE(kubectl({"get", "namespace", ns}).exitCode == 0);
  auto applied = kubectl({"apply", "-f", "-"}, cr);
  INFO(applied.out);
  REQUIRE(applied.exitCode == 0);

  bool healthy = eventually(
      [&] {
        return kubectlJsonpath({"-n", ns, "get", "istiooperator", "control-plane"}, "{.status.status}") ==
               "HEALTHY";
      },
      std::chrono::seconds(90));
  INFO("status: " << kubectlJsonpath({"-n", ns, "get", "istiooperator", "control-plane"}, "{.status}"));
  INFO("operator log:\n" << op.log());
  CHECK(healthy);
  CHECK(kubectlJsonpath({"-n", ns, "get", "deployment", "istiod-" + rev}, "{.status.availableReplicas}") ==
        "1");
  CHECK(kubectlJsonpath({"-n", ns, "get", "deployment", "istio-ingressgateway"}, "{.metadata.name}") ==
        "istio-ingressgateway");
  std::string log = op.log();
  CHECK(log.find("Forbidden") == std::string::npos);
  CHECK(log.find("forbidden") == std::string::npos);
  CHECK(log.find(" 403") == std::string::npos);

  // Deleting the CR through the same operator (finalizer) needs delete rights on all of it too.
  auto deleted = kubectl({"-n", ns, "delete", "istiooperator", "control-plane", "--timeout=60s"});
  INFO(deleted.out);
  CHECK(deleted.exitCode == 0);
  CHECK(kubectlJsonpath({"-n", ns, "get", "deployment", "-o", "name"}, "") == "");
  log = op.log();
  CHECK(log.find("Forbidden") == std::string::npos);
  CHECK(log.find("forbidden") == std::string::npos);

  op.signal(SIGTERM);
  CHECK(op.wait(std::chrono::seconds(15)) == 0);
  kubectl({"delete", "namespace", ns, "--wait=false"});
  iop::test::run({IOP_BINARY, "operator", "remove", "--kubeconfig", iop::test::kubeconfigPath(), "--revision",
                  rev, "-y"});
  kubectl({"delete", "namespace", opNs, "--wait=false"});
}
