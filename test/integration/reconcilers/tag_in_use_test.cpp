// What uses a control plane's revision, as its CR's status says (InUse) and as every way of
// taking the revision away refuses: namespaces selecting a tag that points at it count like
// namespaces selecting it directly; running pods with its sidecar hold it too, until they go.
#include "operator_test_support.h"
#include "test/support/iop_cli.h"

using namespace iop::reconcilers::testing;
using iop::reconcilers::kIstioOperatorGVK;

namespace {

json controlPlaneCR(const std::string& ns, const std::string& revision, const std::string& tag,
                    const std::string& touch = "") {
  json cr = {{"apiVersion", "install.istio.io/v1alpha1"},
             {"kind", "IstioOperator"},
             {"metadata", {{"name", "cp"}, {"namespace", ns}}},
             {"spec",
              {{"profile", "minimal"},
               {"revision", revision},
               {"values", {{"global", {{"istioNamespace", ns}}}, {"revisionTags", {tag}}}},
               {"components", {{"base", {{"enabled", false}}}}}}}};
  // A change of the CR the operator acts on (its annotations; a label change does not wake it)
  // starts a reconcile, which looks again at what uses the revision.
  if (!touch.empty()) cr["metadata"]["annotations"] = {{"touch", touch}};
  return cr;
}

std::string conditionMessage(iop::kube::Client& c, const std::string& ns, const std::string& type) {
  return condition(getCR(c, ns, "cp"), type).value("message", "");
}

}  // namespace

TEST_CASE(
    "InUse names the tags, their namespaces and the pods of a revision, and a used tag holds its deletion",
    "[reconciler][tag][safety]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-taguse");
  TestNamespace apps(*admin, "apps");
  TestNamespace others(*admin, "meshpods");
  const std::string rev = iop::test::uniqueName("ua"), tag = iop::test::uniqueName("stable");
  RunningOperator op(rev, ns.name());
  applyCR(*admin, controlPlaneCR(ns.name(), rev, tag));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "cp") == "HEALTHY"; }, 40s));
  json inUse = condition(getCR(*admin, ns.name(), "cp"), "InUse");
  CHECK(inUse.value("status", "") == "True");
  CHECK(inUse.value("message", "") == "revision " + rev + " is used by: tag " + tag + " (no namespace)");

  // A namespace selects the tag; a pod runs with the revision's sidecar (elsewhere: the tag's
  // webhook has no istiod to call here).
  kubectlOk({"label", "namespace", apps.name(), "istio.io/rev=" + tag});
  kubectlOk({"-n", others.name(), "run", "app", "--image=nginx", "--labels=security.istio.io/tlsMode=istio",
             "--annotations=istio.io/rev=" + rev});
  REQUIRE(eventually([&] {
    return iop::test::kubectlJsonpath({"-n", others.name(), "get", "pod", "app"}, "{.status.phase}") ==
           "Running";
  }));
  applyCR(*admin, controlPlaneCR(ns.name(), rev, tag, "1"));
  CHECK(eventually([&] {
    return conditionMessage(*admin, ns.name(), "InUse") == "revision " + rev + " is used by: tag " + tag +
                                                               " (namespaces " + apps.name() +
                                                               "); 1 pod with its sidecar";
  }));

  // Taking the revision away is refused everywhere with the same words.
  const std::string refusal = "revision tag " + tag + " points at revision " + rev +
                              " and namespaces select it: " + apps.name() +
                              "; move the tag first (iop tag set " + tag + " --revision NEW --overwrite)";
  auto uninstall = iop::test::iopCli({"uninstall", "--revision", rev, "-y"});
  CHECK(uninstall.exitCode == 1);
  CHECK_THAT(uninstall.out, Catch::Contains(refusal));

  REQUIRE(admin->remove(kIstioOperatorGVK, ns.name(), "cp").ok());
  CHECK(eventually([&] { return crStatus(*admin, ns.name(), "cp") == "ACTION_REQUIRED"; }));
  json cr = getCR(*admin, ns.name(), "cp");
  CHECK(condition(cr, "Reconciled").value("reason", "") == "DeletionBlocked");
  CHECK_THAT(condition(cr, "Reconciled").value("message", ""), Catch::Contains(refusal));
  CHECK(condition(cr, "InUse").value("status", "") == "True");
  CHECK(exists(*admin, kDeployment, ns.name(), "istiod-" + rev));

  // No namespace selects the tag any more, but the pod still runs the revision's sidecar: it
  // holds the deletion (and the CLI's removals) until it goes.
  kubectlOk({"label", "namespace", apps.name(), "istio.io/rev-"});
  const std::string podRefusal = "1 running pod still has revision " + rev + "'s sidecar (" + others.name() +
                                 ": 1); restart their workloads first";
  CHECK(eventually([&] {
    const std::string m = conditionMessage(*admin, ns.name(), "Reconciled");
    return m.find(podRefusal) != std::string::npos && m.find("revision tag") == std::string::npos;
  }));
  CHECK(crStatus(*admin, ns.name(), "cp") == "ACTION_REQUIRED");
  auto stillRefused = iop::test::iopCli({"uninstall", "--revision", rev, "-y"});
  CHECK(stillRefused.exitCode == 1);
  CHECK_THAT(stillRefused.out, Catch::Contains(podRefusal));
  CHECK(exists(*admin, kDeployment, ns.name(), "istiod-" + rev));

  kubectlOk({"-n", others.name(), "delete", "pod", "app", "--wait=false"});
  CHECK(eventually([&] { return !getCR(*admin, ns.name(), "cp").is_object(); }, 60s));
  CHECK(!exists(*admin, kDeployment, ns.name(), "istiod-" + rev));
}
