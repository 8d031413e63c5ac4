// The page with revision tags (README, "The page with tags"): the workloads' namespace selects a
// stable tag, not a revision; the canary moves the tag, and nothing is relabelled. Both istiods
// run as their pods would, so which control plane injects a new pod is what the API server's
// admission webhooks decide, through the tag's webhook iop wrote.
#include <catch2/catch.hpp>

#include "test/e2e/e2e_support.h"
#include "test/e2e/mesh_support.h"

using namespace iop::test;
using namespace iop::test::e2e;

namespace {

std::string data(const std::string& file) {
  return std::string(IOP_SOURCE_DIR) + "/test/data/mesh/" + file;
}

const std::string kTag = "prod-stable";
const std::string kTagWebhook = "istio-revision-tag-prod-stable";

}  // namespace

TEST_CASE("page with tags: moving the tag prod-stable moves the workloads to 1-8-1 without relabelling",
          "[e2e][page][istiod][tag]") {
  PageCluster cluster("tags-path");
  std::unique_ptr<IstiodProcess> istiod180, istiod181;
  {
    E2E_STEP("iop install the control plane of 1-8-0; istiod-1-8-0 runs");
    requireSuccess(runIop({"install", "-y", "-n", "istio-system", "-f", data("control-plane-1-8-0.yaml"),
                           "--revision", "1-8-0"}),
                   "iop install --revision 1-8-0");
    istiod180 = startIstiod("1-8-0");
  }
  {
    E2E_STEP(
        "iop tag set prod-stable --revision 1-8-0; kubectl label namespace app istio.io/rev=prod-stable");
    requireSuccess(runIop({"tag", "set", kTag, "--revision", "1-8-0"}), e2eStepText_);
    createNamespace("app", kTag);
    auto listed = runIop({"tag", "list"});
    INFO(listed.out);
    CHECK_THAT(listed.out, Catch::Contains("prod-stable 1-8-0    app"));
  }
  {
    E2E_STEP("kubectl create deployment -n app web: 1-8-0's sidecar, through the tag");
    Sidecar s = sidecarOf(createDeployment("app", "web"));
    INFO(s.describe() << "\nistiod 1-8-0 log: " << istiod180->logPath());
    CHECK(s.injected);
    CHECK(s.image == proxyImageOf("1-8-0"));
    CHECK(s.discoveryAddress == discoveryAddressOf("1-8-0"));
  }
  {
    E2E_STEP("canary: iop install the control plane of 1-8-1; istiod-1-8-1 runs");
    requireSuccess(runIop({"install", "-y", "-n", "istio-system", "-f", data("control-plane-1-8-1.yaml"),
                           "--revision", "1-8-1"}),
                   "iop install --revision 1-8-1");
    istiod181 = startIstiod("1-8-1");
  }
  {
    E2E_STEP("iop uninstall --revision 1-8-0 is refused while app selects the tag pointing at it");
    auto refused = runIop({"uninstall", "--revision", "1-8-0", "-y"});
    INFO(refused.out);
    CHECK(refused.exitCode == 1);
    CHECK_THAT(refused.out,
               Catch::Contains("revision tag prod-stable points at revision 1-8-0 and namespaces "
                               "select it: app"));
    CHECK(!jsonpath({"-n", "istio-system", "deployment", "istiod-1-8-0"}, "{.metadata.uid}").empty());
  }
  {
    E2E_STEP(
        "iop tag set prod-stable --revision 1-8-1 --overwrite: the same webhook, now calling istiod-1-8-1");
    const std::string uid = jsonpath({"mutatingwebhookconfiguration", kTagWebhook}, "{.metadata.uid}");
    REQUIRE(!uid.empty());
    // Without --overwrite istioctl's rule holds: an existing tag is not moved.
    CHECK(runIop({"tag", "set", kTag, "--revision", "1-8-1"}).exitCode == 1);
    requireSuccess(runIop({"tag", "set", kTag, "--revision", "1-8-1", "--overwrite"}), e2eStepText_);
    CHECK(jsonpath({"mutatingwebhookconfiguration", kTagWebhook}, "{.metadata.uid}") == uid);
    CHECK(jsonpath({"mutatingwebhookconfiguration", kTagWebhook},
                   "{.webhooks[0].clientConfig.service.name}") == "istiod-1-8-1");
    CHECK(jsonpath({"namespace", "app"}, "{.metadata.labels.istio\\.io/rev}") == kTag);  // not relabelled
  }
  {
    E2E_STEP("kubectl rollout restart deployment -n app web: the new pod gets 1-8-1's sidecar");
    Sidecar s = sidecarOf(restartDeployment("app", "web"));
    INFO(s.describe() << "\nistiod 1-8-1 log: " << istiod181->logPath());
    CHECK(s.injected);
    CHECK(s.image == proxyImageOf("1-8-1"));
    CHECK(s.discoveryAddress == discoveryAddressOf("1-8-1"));
  }
  {
    E2E_STEP(
        "iop tag set default --revision 1-8-1: istio-injection=enabled gets 1-8-1's sidecar, validation "
        "1-8-1");
    requireSuccess(runIop({"tag", "set", "default", "--revision", "1-8-1"}), e2eStepText_);
    CHECK(jsonpath({"validatingwebhookconfiguration", "istiod-default-validator"},
                   "{.webhooks[0].clientConfig.service.name}") == "istiod-1-8-1");
    createNamespace("legacy", "");
    requireSuccess(kubectl({"label", "namespace", "legacy", "istio-injection=enabled"}), "kubectl label");
    Sidecar s = sidecarOf(createDeployment("legacy", "web"));
    INFO(s.describe() << "\nistiod 1-8-1 log: " << istiod181->logPath());
    CHECK(s.injected);
    CHECK(s.image == proxyImageOf("1-8-1"));
    CHECK(s.discoveryAddress == discoveryAddressOf("1-8-1"));
  }
  {
    E2E_STEP("iop uninstall --revision 1-8-0: nothing selects it any more; the tag and 1-8-1 stay");
    requireSuccess(runIop({"uninstall", "--revision", "1-8-0", "-y"}), e2eStepText_);
    CHECK(jsonpath({"-n", "istio-system", "deployment", "istiod-1-8-0"}, "{.metadata.uid}").empty());
    CHECK(jsonpath({"mutatingwebhookconfiguration", kTagWebhook}, "{.metadata.labels.istio\\.io/rev}") ==
          "1-8-1");
    auto listed = runIop({"tag", "list"});
    INFO(listed.out);
    CHECK_THAT(listed.out, Catch::Contains("prod-stable 1-8-1    app"));
    CHECK_THAT(listed.out, Catch::Contains("default     1-8-1"));
    Sidecar s = sidecarOf(restartDeployment("app", "web"));
    INFO(s.describe());
    CHECK(s.image == proxyImageOf("1-8-1"));
    CHECK(istiod181->running());
  }
}
