// The CTest "cluster" fixture gives every integration test a real kube-apiserver with
// kube-controller-manager, kube-scheduler and a kwok-simulated node. These tests pin down what
// later tests rely on.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "test/support/cluster.h"

using iop::test::kubectl;
using iop::test::uniqueName;

namespace {

// Polls `kubectl args` until its output equals want or the deadline passes; returns the last
// output so a failing REQUIRE shows what the cluster said.
std::string waitForOutput(const std::vector<std::string>& args, const std::string& want,
                          std::chrono::seconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  std::string last;
  while (true) {
    auto r = kubectl(args);
    last = r.out;
    if (r.exitCode == 0 && last == want) return last;
    if (std::chrono::steady_clock::now() > end) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace

TEST_CASE("a ConfigMap can be created, read and deleted with kubectl", "[cluster]") {
  auto ns = uniqueName("fixture-cm");
  REQUIRE(kubectl({"create", "namespace", ns}).exitCode == 0);

  auto created = kubectl({"-n", ns, "create", "configmap", "greeting", "--from-literal=hello=world"});
  REQUIRE(created.exitCode == 0);

  auto read = kubectl({"-n", ns, "get", "configmap", "greeting", "-o", "jsonpath={.data.hello}"});
  REQUIRE(read.exitCode == 0);
  CHECK(read.out == "world");

  REQUIRE(kubectl({"-n", ns, "delete", "configmap", "greeting"}).exitCode == 0);
  auto gone = kubectl({"-n", ns, "get", "configmap", "greeting"});
  CHECK(gone.exitCode != 0);
  CHECK(gone.out.find("NotFound") != std::string::npos);

  kubectl({"delete", "namespace", ns, "--wait=false"});
}

TEST_CASE("a Deployment's pods run on the simulated node and a rollout restart rolls a new ReplicaSet",
          "[cluster]") {
  auto ns = uniqueName("fixture-deploy");
  REQUIRE(kubectl({"create", "namespace", ns}).exitCode == 0);
  REQUIRE(kubectl({"-n", ns, "create", "deployment", "web", "--image=nginx", "--replicas=2"}).exitCode == 0);

  CHECK(waitForOutput({"-n", ns, "get", "deployment", "web", "-o", "jsonpath={.status.availableReplicas}"},
                      "2", std::chrono::seconds(90)) == "2");
  auto nodes =
      kubectl({"-n", ns, "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.nodeName}"});
  CHECK(nodes.out == "node-1 node-1");

  auto rsBefore = kubectl({"-n", ns, "get", "replicasets", "-l", "app=web", "-o", "name"});
  REQUIRE(rsBefore.exitCode == 0);
  REQUIRE(kubectl({"-n", ns, "rollout", "restart", "deployment", "web"}).exitCode == 0);
  auto status = kubectl({"-n", ns, "rollout", "status", "deployment", "web", "--timeout=120s"});
  INFO(status.out);
  REQUIRE(status.exitCode == 0);

  auto rsAfter = kubectl({"-n", ns, "get", "replicasets", "-l", "app=web", "-o", "name"});
  auto countLines = [](const std::string& s) { return std::count(s.begin(), s.end(), '\n'); };
  CHECK(countLines(rsBefore.out) == 1);
  CHECK(countLines(rsAfter.out) == 2);
  CHECK(waitForOutput({"-n", ns, "get", "deployment", "web", "-o",
                       "jsonpath={.status.updatedReplicas}/{.status.availableReplicas}"},
                      "2/2", std::chrono::seconds(90)) == "2/2");

  kubectl({"delete", "namespace", ns, "--wait=false"});
}

TEST_CASE("a ServiceAccount token from the TokenRequest API authenticates and RBAC applies", "[cluster]") {
  auto ns = uniqueName("fixture-sa");
  REQUIRE(kubectl({"create", "namespace", ns}).exitCode == 0);
  REQUIRE(kubectl({"-n", ns, "create", "serviceaccount", "reader"}).exitCode == 0);
  auto token = kubectl({"-n", ns, "create", "token", "reader"});
  REQUIRE(token.exitCode == 0);
  REQUIRE(token.out.size() > 100);
  std::string tok = token.out.substr(0, token.out.find_last_not_of("\n") + 1);

  // Ask as the ServiceAccount alone: no kubeconfig, so the admin client certificate is not sent.
  auto asReader = [&](std::vector<std::string> args) {
    std::vector<std::string> argv{"kubectl", "--kubeconfig=/dev/null", "--server=" + iop::test::serverURL(),
                                  "--certificate-authority=" + iop::test::clusterDir() + "/pki/ca.crt",
                                  "--token=" + tok};
    argv.insert(argv.end(), args.begin(), args.end());
    return iop::test::run(argv);
  };
  auto whoami = asReader({"auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"});
  CHECK(whoami.out == "system:serviceaccount:" + ns + ":reader");
  auto denied = asReader({"-n", ns, "get", "configmaps"});
  CHECK(denied.exitCode != 0);
  CHECK(denied.out.find("forbidden") != std::string::npos);

  REQUIRE(
      kubectl({"-n", ns, "create", "role", "cm-reader", "--verb=list", "--resource=configmaps"}).exitCode ==
      0);
  REQUIRE(kubectl({"-n", ns, "create", "rolebinding", "cm-reader", "--role=cm-reader",
                   "--serviceaccount=" + ns + ":reader"})
              .exitCode == 0);
  auto allowed = asReader({"-n", ns, "get", "configmaps", "-o", "name"});
  INFO(allowed.out);
  CHECK(allowed.exitCode == 0);

  kubectl({"delete", "namespace", ns, "--wait=false"});
}
