// The page's first path ("istioctl"): control plane and gateways installed as two IstioOperators
// with `iop install`, the control plane canaried from 1-8-0 to 1-8-1, the gateways upgraded in
// place, then 1-8-0 uninstalled. Step numbers follow the page's sections. Each revision's istiod
// runs as its pod would (test/support/istiod_process.h), and a workload in namespace app is
// injected by the revision its namespace selects, through the API server, as the canary moves.
#include <catch2/catch.hpp>

#include "reconcilers/apply/ownership.h"
#include "test/e2e/e2e_support.h"
#include "test/e2e/mesh_support.h"

using namespace iop::test;
using namespace iop::test::e2e;

namespace {

// Whether exactly one Running pod in istio-system has label key=value and a name starting with prefix.
bool onePodWith(const std::string& prefix, const std::string& key, const std::string& value) {
  int n = 0;
  for (const auto& pod : runningPods(key + "=" + value)) n += pod.starts_with(prefix) ? 1 : 0;
  return n == 1;
}

std::string describePods() {
  return show({"get", "pods", "-n", "istio-system", "--show-labels"});
}

}  // namespace

TEST_CASE("page, istioctl path: iop install canaries the control plane and upgrades the gateways in place",
          "[e2e][page][istiod][istioctl]") {
  PageCluster cluster("istioctl-path");
  std::unique_ptr<IstiodProcess> istiod180, istiod181;
  auto client = adminClient();
  const std::string rev180 = "istio.io/rev=1-8-0", rev181 = "istio.io/rev=1-8-1";

  {
    E2E_STEP("install 1: iop install -n istio-system -f control-plane.yaml --revision 1-8-0");
    requireSuccess(
        runIop({"install", "-n", "istio-system", "-f", example("control-plane.yaml"), "--revision", "1-8-0"},
               "y\n"),
        e2eStepText_);
    CHECK(jsonpath({"-n", "istio-system", "deployment", "istiod-1-8-0"}, "{.status.availableReplicas}") ==
          "1");
  }
  {
    E2E_STEP(
        "install 1 (mesh): istiod-1-8-0 runs; kubectl create deployment in namespace app "
        "(istio.io/rev=1-8-0)");
    istiod180 = startIstiod("1-8-0");
    createNamespace("app", "1-8-0");
    Sidecar s = sidecarOf(createDeployment("app", "web"));
    INFO(s.describe() << "\nistiod 1-8-0 log: " << istiod180->logPath());
    CHECK(s.injected);
    CHECK(s.image == proxyImageOf("1-8-0"));
    CHECK(s.discoveryAddress == discoveryAddressOf("1-8-0"));
  }
  {
    E2E_STEP("install 2: iop install -n istio-system -f gateways.yaml --revision 1-8-0");
    requireSuccess(
        runIop({"install", "-n", "istio-system", "-f", example("gateways.yaml"), "--revision", "1-8-0"},
               "y\n"),
        e2eStepText_);
    CHECK(templateLabel("istio-ingressgateway", "istio.io/rev") == "1-8-0");
    CHECK(templateLabel("istio-ingressgateway", "service.istio.io/canonical-revision") == "1-8-0");
  }

  const auto owned180 = managedObjects(*client, rev180);
  {
    E2E_STEP("upgrade 1: iop install -f control-plane.yaml --revision 1-8-1 (same CR name, second revision)");
    requireSuccess(runIop({"install", "-f", example("control-plane.yaml"), "--revision", "1-8-1"}, "y\n"),
                   e2eStepText_);
    // Installing the same file at 1-8-1 is a second installation: nothing of 1-8-0 may go. (The
    // Base objects both revisions render, the CRDs and the reader ServiceAccount, stay labelled
    // 1-8-0 and list 1-8-1 as a co-owner.)
    auto now = managedObjects(*client, "operator.istio.io/managed=Reconcile");
    for (const auto& [k, o] : owned180) {
      INFO(k << " of revision 1-8-0 must survive the install of 1-8-1");
      CHECK(keysWithSameUid({{k, o}}, now).size() == 1);
    }
    CHECK(templateLabel("istiod-1-8-0", "istio.io/rev") == "1-8-0");
  }
  {
    E2E_STEP(
        "upgrade 2-5: kubectl get pods -n istio-system --show-labels shows both istiods, gateway still "
        "1-8-0");
    bool shown = eventually(
        [] {
          return onePodWith("istio-ingressgateway-", "service.istio.io/canonical-revision", "1-8-0") &&
                 onePodWith("istiod-1-8-0-", "istio.io/rev", "1-8-0") &&
                 onePodWith("istiod-1-8-1-", "istio.io/rev", "1-8-1");
        },
        std::chrono::seconds(60));
    INFO(describePods());
    CHECK(shown);
    CHECK(templateLabel("istio-ingressgateway", "istio.io/rev") == "1-8-0");
  }
  {
    E2E_STEP("upgrade (mesh): istiod-1-8-1 runs beside istiod-1-8-0");
    istiod181 = startIstiod("1-8-1");
    CHECK(istiod180->running());
  }
  {
    E2E_STEP(
        "upgrade (mesh): kubectl label namespace app istio.io/rev=1-8-1 --overwrite; kubectl rollout restart "
        "deployment -n app web: 1-8-1's sidecar");
    requireSuccess(kubectl({"label", "namespace", "app", "istio.io/rev=1-8-1", "--overwrite"}), e2eStepText_);
    Sidecar s = sidecarOf(restartDeployment("app", "web"));
    INFO(s.describe() << "\nistiod 1-8-1 log: " << istiod181->logPath());
    CHECK(s.injected);
    CHECK(s.image == proxyImageOf("1-8-1"));
    CHECK(s.discoveryAddress == discoveryAddressOf("1-8-1"));
    CHECK(istiod180->running());
    CHECK(istiod181->running());
  }

  {
    E2E_STEP(
        "upgrade 5 (last step): iop install -f gateways.yaml --revision 1-8-1 moves the gateway in place");
    json deployment = getJson({"-n", "istio-system", "deployment", "istio-ingressgateway"});
    json service = getJson({"-n", "istio-system", "service", "istio-ingressgateway"});
    REQUIRE(deployment.is_object());
    REQUIRE(service.is_object());
    PresenceWatch deploymentWatch(kDeployment, "istio-system", "istio-ingressgateway");
    PresenceWatch serviceWatch(kService, "istio-system", "istio-ingressgateway");
    requireSuccess(runIop({"install", "-f", example("gateways.yaml"), "--revision", "1-8-1"}, "y\n"),
                   e2eStepText_);
    // Keep watching while the Deployment rolls its pods to the new template.
    bool rolled = eventually(
        [] { return onePodWith("istio-ingressgateway-", "service.istio.io/canonical-revision", "1-8-1"); },
        std::chrono::seconds(60));
    deploymentWatch.stop();
    serviceWatch.stop();
    INFO(describePods());
    CHECK(rolled);
    INFO("polls of the Deployment: " << deploymentWatch.polls()
                                     << ", of the Service: " << serviceWatch.polls());
    CHECK(deploymentWatch.polls() > 10);
    CHECK(deploymentWatch.absentPolls() == 0);
    CHECK(serviceWatch.absentPolls() == 0);
    CHECK(deploymentWatch.uids() == std::set<std::string>{deployment["metadata"]["uid"]});
    CHECK(serviceWatch.uids() == std::set<std::string>{service["metadata"]["uid"]});
    CHECK(templateLabel("istio-ingressgateway", "istio.io/rev") == "1-8-1");
    CHECK(templateLabel("istio-ingressgateway", "service.istio.io/canonical-revision") == "1-8-1");
    CHECK(jsonpath({"-n", "istio-system", "service", "istio-ingressgateway"}, "{.metadata.uid}") ==
          service["metadata"]["uid"].get<std::string>());
  }

  {
    E2E_STEP(
        "upgrade 6: iop uninstall --revision 1-8-0 removes 1-8-0 and leaves 1-8-1 and the gateway alone");
    const auto owned181 = managedObjects(*client, rev181);
    REQUIRE(owned181.count("Deployment istio-system/istio-ingressgateway") == 1);
    REQUIRE(owned181.count("Deployment istio-system/istiod-1-8-1") == 1);
    requireSuccess(runIop({"uninstall", "--revision", "1-8-0"}, "y\n"), e2eStepText_);
    CHECK(managedObjects(*client, rev180).empty());
    auto after = managedObjects(*client, rev181);
    CHECK(keysWithSameUid(owned181, after).size() == owned181.size());
    // What both revisions shared went to 1-8-1: the same objects, relabelled, never deleted.
    std::map<std::string, json> shared;
    for (const auto& [k, o] : owned180)
      if (iop::reconcilers::isSharedAcrossRevisions(k.substr(0, k.find(' ')), o)) shared.emplace(k, o);
    CHECK(shared.count("ServiceAccount istio-system/istio-reader-service-account") == 1);
    CHECK(keysWithSameUid(shared, after).size() == shared.size());
    CHECK(after.size() == owned181.size() + shared.size());
    bool only181 = eventually(
        [] {
          return podsArePrefixed(runningPods("app=istiod"), {"istiod-1-8-1-"}) &&
                 onePodWith("istio-ingressgateway-", "service.istio.io/canonical-revision", "1-8-1");
        },
        std::chrono::seconds(60));
    INFO(describePods());
    CHECK(only181);
    CHECK(jsonpath({"-n", "istio-system", "deployment", "istiod-1-8-1"}, "{.status.availableReplicas}") ==
          "1");
  }
  {
    E2E_STEP("uninstall (mesh): istiod-1-8-0 is gone with its pod; new pods still get 1-8-1's sidecar");
    // The runner stops istiod when its pod is deleted, as the pod's kubelet would.
    CHECK(istiod180->wait(std::chrono::seconds(60)) == 0);
    CHECK(istiod181->running());
    Sidecar s = sidecarOf(restartDeployment("app", "web"));
    INFO(s.describe() << "\nistiod 1-8-1 log: " << istiod181->logPath());
    CHECK(s.injected);
    CHECK(s.image == proxyImageOf("1-8-1"));
    CHECK(s.discoveryAddress == discoveryAddressOf("1-8-1"));
  }
  {
    E2E_STEP("the mesh the page leaves: istioctl analyze -A reports no error about what iop installed");
    checkIstioctlAnalyze();
  }
}
