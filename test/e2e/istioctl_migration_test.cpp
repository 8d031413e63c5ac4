// A mesh installed by Istio's own istioctl (built from the pinned module) moves to iop without
// --force: `iop install` of the same CR takes over every object istioctl applied (they carry its
// operator.istio.io/managed=Reconcile label and its CR's owner labels), keeps their UIDs, and
// `iop uninstall` then removes them. A Service istioctl never labelled stays iop's to refuse.
#include <catch2/catch.hpp>

#include "reconcilers/api/labels.h"
#include "test/e2e/e2e_support.h"

using namespace iop::test;
using namespace iop::test::e2e;

namespace {

std::string istioctlBinary() {
  auto built = run({"bash", std::string(IOP_SOURCE_DIR) + "/test/fidelity/build-istioctl.sh"}, "", false);
  REQUIRE(built.exitCode == 0);
  return built.out.substr(0, built.out.find('\n'));
}

}  // namespace

TEST_CASE("a control plane istioctl installed is taken over by iop install without --force, then uninstalled",
          "[e2e][istioctl][hostile]") {
  PageCluster cluster("istioctl-migration");
  auto client = adminClient();
  const std::string selector = "istio.io/rev=1-8-0";
  std::map<std::string, json> installedByIstioctl;

  {
    E2E_STEP("istioctl install -y -f control-plane.yaml --revision 1-8-0");
    auto r = run({istioctlBinary(), "install", "-y", "-f", example("control-plane.yaml"), "--revision",
                  "1-8-0", "--kubeconfig", kubeconfigPath()});
    INFO(r.out);
    REQUIRE(r.exitCode == 0);
    installedByIstioctl = managedObjects(*client, selector);
    INFO(show({"get", "deploy,svc,cm,sa", "-n", "istio-system", "--show-labels"}));
    REQUIRE(installedByIstioctl.count("Deployment istio-system/istiod-1-8-0") == 1);
    // istioctl's labels, not iop's: the premise of the take-over.
    const json& labels = installedByIstioctl["Deployment istio-system/istiod-1-8-0"]["metadata"]["labels"];
    CHECK(labels.value("operator.istio.io/managed", "") == "Reconcile");
    CHECK(labels.value("install.operator.istio.io/owning-resource", "") == "control-plane");
  }
  {
    E2E_STEP("iop install -n istio-system -f control-plane.yaml --revision 1-8-0 (no --force)");
    auto r = runIop(
        {"install", "-n", "istio-system", "-f", example("control-plane.yaml"), "--revision", "1-8-0"}, "y\n");
    requireSuccess(r, e2eStepText_);
    CHECK(r.out.find("OwnershipConflict") == std::string::npos);
    CHECK(r.out.find("not installed by an IstioOperator") == std::string::npos);
    auto after = managedObjects(*client, selector);
    // Every object istioctl applied is still there, the same object (same UID), now iop's.
    auto same = keysWithSameUid(installedByIstioctl, after);
    for (const auto& [key, o] : installedByIstioctl) {
      INFO(key);
      CHECK(same.count(key) == 1);
    }
    // iop applied them (its desired-hash annotation), under the owner labels istioctl also uses.
    const json& meta = after["Deployment istio-system/istiod-1-8-0"]["metadata"];
    CHECK(meta["annotations"].contains(iop::reconcilers::kDesiredHashAnnotation));
    CHECK(meta["labels"].value(iop::reconcilers::kOwningResourceLabel, "") == "control-plane");
    CHECK(meta["labels"].value(iop::reconcilers::kOwningNamespaceLabel, "") == "istio-system");
  }
  {
    E2E_STEP("iop uninstall --revision 1-8-0 removes what istioctl installed");
    requireSuccess(runIop({"uninstall", "--revision", "1-8-0"}, "y\n"), e2eStepText_);
    auto left = managedObjects(*client, selector);
    for (const auto& [key, o] : installedByIstioctl) {
      INFO(key << " is still there");
      // Istio's CRDs are shared by every revision: uninstalling one revision leaves them, as
      // `istioctl uninstall --revision` does.
      if (key.starts_with("CustomResourceDefinition ")) continue;
      CHECK(left.count(key) == 0);
    }
  }
}
