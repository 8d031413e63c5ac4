// The page's second path ("Operator"): one operator per revision (`iop operator init`), the
// control plane and the gateways as CRs the user applies with kubectl, the control plane
// canaried from 1-8-0 to 1-8-1 by a second CR, the gateways moved to 1-8-1 by editing their CR,
// then 1-8-0 deleted. Each operator runs as a local process exactly as its Deployment would
// (args, env, ServiceAccount token), so the RBAC iop ships is exercised too; so does each
// revision's istiod, which injects the workload of namespace app as the canary moves.
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "test/e2e/e2e_support.h"
#include "test/e2e/mesh_support.h"
#include "test/support/iop_cli.h"

using namespace iop::test;
using namespace iop::test::e2e;

namespace {

std::string componentStatus(const std::string& cr, const std::string& component) {
  return jsonpath({"-n", "istio-system", "istiooperator", cr},
                  "{.status.componentStatus." + component + ".status}");
}

}  // namespace

TEST_CASE("page, operator path: per-revision operators canary the control plane and move the gateways",
          "[e2e][page][istiod][istioctl]") {
  PageCluster cluster("operator-path");
  auto client = adminClient();
  // The user's working copy of the page's files.
  const std::string work = cluster.dir() + "/user-files";
  std::filesystem::create_directories(work);
  std::filesystem::copy_file(example("control-plane-1-8-0.yaml"), work + "/control-plane-1-8-0.yaml");
  std::filesystem::copy_file(example("gateways-1-8-0.yaml"), work + "/gateways.yaml");

  std::unique_ptr<OperatorProcess> op180, op181;
  std::unique_ptr<IstiodProcess> istiod180, istiod181;
  {
    E2E_STEP("install 1: iop operator init --revision 1-8-0 (and its operator, as its Deployment runs it)");
    op180 = initOperator("1-8-0");
  }
  {
    E2E_STEP("install 4: kubectl create namespace istio-system; kubectl apply -n istio-system -f each CR");
    // `operator init` already created istio-system (the namespace it watches), as istioctl's does:
    // the page's create then reports AlreadyExists, which the user may ignore.
    auto created = kubectl({"create", "namespace", "istio-system"});
    INFO(created.out);
    CHECK((created.exitCode == 0 || created.out.find("AlreadyExists") != std::string::npos));
    requireSuccess(kubectl({"apply", "-n", "istio-system", "-f", work + "/control-plane-1-8-0.yaml"}),
                   e2eStepText_);
    requireSuccess(kubectl({"apply", "-n", "istio-system", "-f", work + "/gateways.yaml"}), e2eStepText_);
    // The workloads of the mesh live in a namespace that selects the 1-8-0 control plane.
    requireSuccess(kubectl({"create", "namespace", "app"}), "kubectl create namespace app");
    requireSuccess(kubectl({"label", "namespace", "app", "istio.io/rev=1-8-0"}),
                   "kubectl label namespace app");
  }
  {
    E2E_STEP(
        "install (verify): both CRs HEALTHY; kubectl get pods -n istio-system --show-labels as on the page");
    requireHealthy("control-plane-1-8-0");
    requireHealthy("gateways");
    bool shown = eventually(
        [] {
          return podsArePrefixed(runningPods("istio.io/rev=1-8-0"),
                                 {"istio-ingressgateway-", "istiod-1-8-0-"}) &&
                 runningPods("service.istio.io/canonical-revision=1-8-0").size() == 1;
        },
        std::chrono::seconds(60));
    INFO(show({"get", "pods", "-n", "istio-system", "--show-labels"}));
    CHECK(shown);
  }
  {
    E2E_STEP("install (mesh): istiod-1-8-0 runs; kubectl create deployment -n app web gets 1-8-0's sidecar");
    istiod180 = startIstiod("1-8-0");
    Sidecar s = sidecarOf(createDeployment("app", "web"));
    INFO(s.describe() << "\nistiod 1-8-0 log: " << istiod180->logPath());
    CHECK(s.injected);
    CHECK(s.image == proxyImageOf("1-8-0"));
    CHECK(s.discoveryAddress == discoveryAddressOf("1-8-0"));
  }

  {
    E2E_STEP("upgrade 1: iop operator init --revision 1-8-1 (and its operator)");
    op181 = initOperator("1-8-1");
  }
  {
    E2E_STEP("upgrade 2-3: copy control-plane-1-8-0.yaml, replace 1-8-0 with 1-8-1, kubectl apply it");
    std::filesystem::copy_file(work + "/control-plane-1-8-0.yaml", work + "/control-plane-1-8-1.yaml");
    requireSuccess(run({"sed", "-i", "s/1-8-0/1-8-1/g", work + "/control-plane-1-8-1.yaml"}), "sed");
    CHECK(readFile(work + "/control-plane-1-8-1.yaml") == readFile(example("control-plane-1-8-1.yaml")));
    requireSuccess(kubectl({"apply", "-n", "istio-system", "-f", work + "/control-plane-1-8-1.yaml"}),
                   e2eStepText_);
  }
  {
    E2E_STEP("upgrade 4: kubectl -n istio-system get pod -l app=istiod shows istiod-1-8-0 and istiod-1-8-1");
    bool both = eventually(
        [] {
          return podsArePrefixed(runningPods("app=istiod"), {"istiod-1-8-0-", "istiod-1-8-1-"});
        },
        std::chrono::seconds(90));
    INFO(show({"-n", "istio-system", "get", "deploy,pod", "-l", "app=istiod"}));
    CHECK(both);
    // Both control planes are HEALTHY, with no OwnershipConflict: the Base objects both
    // revisions render the same (CRDs, the reader ServiceAccount) stay with control-plane-1-8-0,
    // which installed them first, and list control-plane-1-8-1 as a co-owner.
    requireHealthy("control-plane-1-8-1", std::chrono::seconds(90));
    requireHealthy("control-plane-1-8-0");
    CHECK(componentStatus("control-plane-1-8-1", "Base") == "HEALTHY");
    for (const char* cr : {"control-plane-1-8-0", "control-plane-1-8-1"}) {
      INFO(cr);
      CHECK(jsonpath({"-n", "istio-system", "istiooperator", cr},
                     "{.status.conditions[?(@.type==\"Reconciled\")].status}") == "True");
      CHECK(kubectl({"get", "events", "-n", "istio-system", "--field-selector",
                     std::string("reason=OwnershipConflict,involvedObject.name=") + cr, "-o", "name"})
                .out.empty());
    }
    CHECK(jsonpath({"-n", "istio-system", "serviceaccount", "istio-reader-service-account"},
                   "{.metadata.annotations.install\\.operator\\.istio\\.io/co-owners}") ==
          "istio-system/control-plane-1-8-1@1-8-1");
    CHECK(templateLabel("istio-ingressgateway", "istio.io/rev") == "1-8-0");
  }
  {
    E2E_STEP("upgrade 4 (mesh): istiod-1-8-1 runs beside istiod-1-8-0");
    istiod181 = startIstiod("1-8-1");
    CHECK(istiod180->running());
  }
  {
    E2E_STEP("upgrade 5: label the workload namespace istio.io/rev=1-8-1");
    requireSuccess(kubectl({"label", "namespace", "app", "istio.io/rev=1-8-1", "--overwrite"}), e2eStepText_);
  }
  {
    E2E_STEP(
        "upgrade 5 (mesh): kubectl rollout restart deployment -n app web: 1-8-1's sidecar, both istiods run");
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
        "upgrade 6: replace 1-8-0 with 1-8-1 in gateways.yaml and kubectl apply it: moved in place by 1-8-1");
    requireSuccess(run({"sed", "-i", "s/1-8-0/1-8-1/g", work + "/gateways.yaml"}), "sed");
    CHECK(readFile(work + "/gateways.yaml") == readFile(example("gateways-1-8-1.yaml")));
    json deployment = getJson({"-n", "istio-system", "deployment", "istio-ingressgateway"});
    json service = getJson({"-n", "istio-system", "service", "istio-ingressgateway"});
    REQUIRE(deployment.is_object());
    REQUIRE(service.is_object());
    const std::uint64_t writes180 = operatorWrites(*op180);
    PresenceWatch deploymentWatch(kDeployment, "istio-system", "istio-ingressgateway");
    PresenceWatch serviceWatch(kService, "istio-system", "istio-ingressgateway");
    requireSuccess(kubectl({"apply", "-n", "istio-system", "-f", work + "/gateways.yaml"}), e2eStepText_);
    bool moved = eventually(
        [] {
          return templateLabel("istio-ingressgateway", "istio.io/rev") == "1-8-1" &&
                 jsonpath({"-n", "istio-system", "istiooperator", "gateways"},
                          "{.status.observedGeneration}") == "2" &&
                 healthy("gateways") && runningPods("service.istio.io/canonical-revision=1-8-1").size() == 1;
        },
        std::chrono::seconds(90));
    deploymentWatch.stop();
    serviceWatch.stop();
    INFO(show({"get", "istiooperator,deploy,pods", "-n", "istio-system", "--show-labels"}));
    INFO("operator 1-8-1 log: " << op181->logPath());
    CHECK(moved);
    CHECK(templateLabel("istio-ingressgateway", "service.istio.io/canonical-revision") == "1-8-1");
    CHECK(deploymentWatch.absentPolls() == 0);
    CHECK(serviceWatch.absentPolls() == 0);
    CHECK(deploymentWatch.uids() == std::set<std::string>{deployment["metadata"]["uid"]});
    CHECK(serviceWatch.uids() == std::set<std::string>{service["metadata"]["uid"]});
    // The 1-8-0 operator saw the CR change revision and left it (and everything else) alone.
    CHECK(operatorWrites(*op180) == writes180);
  }
  {
    E2E_STEP(
        "upgrade 7: kubectl rollout restart deployment -n istio-system istio-ingressgateway is not undone");
    auto replicaSets = [] {
      json rs = getJson({"replicasets", "-n", "istio-system", "-l", "app=istio-ingressgateway"});
      return rs.is_object() ? rs["items"].size() : 0;
    };
    const auto before = replicaSets();
    requireSuccess(
        kubectl({"rollout", "restart", "deployment", "-n", "istio-system", "istio-ingressgateway"}),
        e2eStepText_);
    requireSuccess(kubectl({"rollout", "status", "deployment", "-n", "istio-system", "istio-ingressgateway",
                            "--timeout=90s"}),
                   "kubectl rollout status");
    const std::string restartedAt = jsonpath({"-n", "istio-system", "deployment", "istio-ingressgateway"},
                                             "{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/"
                                             "restartedAt}");
    CHECK_FALSE(restartedAt.empty());
    CHECK(replicaSets() == before + 1);
    // The rollout's status changes woke the operator for the gateways CR: give it time to have
    // reconciled (and to have undone the restart, were it going to), then look again.
    std::this_thread::sleep_for(std::chrono::seconds(4));
    CHECK(jsonpath({"-n", "istio-system", "deployment", "istio-ingressgateway"},
                   "{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}") ==
          restartedAt);
    CHECK(replicaSets() == before + 1);
    CHECK(healthy("gateways"));
  }
  {
    E2E_STEP(
        "upgrade 8: kubectl -n istio-system get pod -l app=istio-ingressgateway --show-labels shows 1-8-1");
    bool shown = eventually(
        [] {
          auto pods = runningPods("app=istio-ingressgateway");
          return pods.size() == 1 &&
                 runningPods("app=istio-ingressgateway,service.istio.io/canonical-revision=1-8-1").size() ==
                     1;
        },
        std::chrono::seconds(60));
    INFO(show({"-n", "istio-system", "get", "pod", "-l", "app=istio-ingressgateway", "--show-labels"}));
    CHECK(shown);
  }

  {
    E2E_STEP("upgrade 9: kubectl delete istiooperator -n istio-system control-plane-1-8-0");
    const std::string owner180 =
        "install.operator.istio.io/owning-resource=control-plane-1-8-0,"
        "install.operator.istio.io/owning-resource-namespace=istio-system";
    const auto before = managedObjects(*client, owner180);
    REQUIRE_FALSE(before.empty());
    // What changes hands rather than going: every object control-plane-1-8-1 co-owns. (The
    // EndpointSlices of the Services carry its labels too, copied by their controller, which
    // removes them with the Service: not iop's to count.)
    std::size_t shared = 0, otherControllers = 0;
    for (const auto& [k, o] : before) {
      otherControllers +=
          o["metadata"].value("labels", json::object()).contains("endpointslice.kubernetes.io/managed-by");
      shared += o["metadata"]
                    .value("annotations", json::object())
                    .value("install.operator.istio.io/co-owners", "")
                    .find("istio-system/control-plane-1-8-1@1-8-1") != std::string::npos;
    }
    REQUIRE(shared > 0);
    std::string ownedBefore;
    for (const auto& [k, o] : before) ownedBefore += k + "; ";
    const std::string readerUID =
        jsonpath({"-n", "istio-system", "serviceaccount", "istio-reader-service-account"}, "{.metadata.uid}");
    REQUIRE_FALSE(readerUID.empty());
    // The shared reader ServiceAccount is never absent while control-plane-1-8-1 wants it.
    PresenceWatch readerWatch(iop::kube::GroupVersionKind{"", "v1", "ServiceAccount"}, "istio-system",
                              "istio-reader-service-account");
    // kubectl waits until the CR is gone, i.e. until the operator released its finalizer.
    requireSuccess(
        kubectl({"delete", "istiooperator", "-n", "istio-system", "control-plane-1-8-0", "--timeout=90s"}),
        e2eStepText_);
    CHECK(getJson({"-n", "istio-system", "istiooperator", "control-plane-1-8-0"}).is_null());
    auto left = managedObjects(*client, owner180);
    std::string names;
    for (const auto& [k, o] : left) names += k + "; ";
    INFO("still owned by control-plane-1-8-0: " << names);
    // Nothing: what it owned alone is deleted, what it shared (CRDs, the reader ServiceAccount)
    // was handed to control-plane-1-8-1.
    CHECK(left.empty());
    CHECK(jsonpath({"crd", "virtualservices.networking.istio.io"},
                   "{.metadata.labels.install\\.operator\\.istio\\.io/owning-resource}") ==
          "control-plane-1-8-1");
    CHECK(jsonpath({"-n", "istio-system", "serviceaccount", "istio-reader-service-account"},
                   "{.metadata.uid}") == readerUID);
    // The Events count right (by kind, no names): each object that changed hands once, also when
    // the operator of 1-8-1 took one over while the one of 1-8-0 was releasing it; the rest deleted.
    auto eventMessage = [](const std::string& reason) {
      json events = getJson({"-n", "istio-system", "events", "--field-selector",
                             "involvedObject.name=control-plane-1-8-0,reason=" + reason});
      return events.is_object() && events["items"].size() == 1 ? events["items"][0].value("message", "")
                                                               : "(" + reason + ": not one Event)";
    };
    // (The recorder posts Events asynchronously: they may arrive after the CR is gone.)
    for (const auto& expected : std::vector<std::pair<std::string, std::string>>{
             {"HandedOver", "kept for their co-owners: " + std::to_string(shared) + ": "},
             {"Uninstalled",
              "deleted " + std::to_string(before.size() - shared - otherControllers) + ": "}}) {
      const std::string &reason = expected.first, &prefix = expected.second;
      bool counted =
          eventually([&] { return eventMessage(reason).rfind(prefix, 0) == 0; }, std::chrono::seconds(10));
      INFO("Event " << reason << ": " << eventMessage(reason) << "\nexpected to start with: " << prefix
                    << "\nowned by control-plane-1-8-0 before: " << ownedBefore);
      CHECK(counted);
    }
    readerWatch.stop();
    CHECK(readerWatch.polls() > 0);
    CHECK(readerWatch.absentPolls() == 0);
    CHECK(readerWatch.uids() == std::set<std::string>{readerUID});
  }
  {
    E2E_STEP("upgrade 10: kubectl -n istio-system get pod -l app=istiod shows only istiod-1-8-1");
    bool one = eventually([] { return podsArePrefixed(runningPods("app=istiod"), {"istiod-1-8-1-"}); },
                          std::chrono::seconds(60));
    INFO(show({"-n", "istio-system", "get", "deploy,pod", "-l", "app=istiod"}));
    CHECK(one);
    // With control-plane-1-8-0 gone, control-plane-1-8-1 owns the shared Base objects and is whole.
    requireHealthy("control-plane-1-8-1");
    CHECK(jsonpath({"-n", "istio-system", "serviceaccount", "istio-reader-service-account"},
                   "{.metadata.labels.install\\.operator\\.istio\\.io/owning-resource}") ==
          "control-plane-1-8-1");
  }
  {
    E2E_STEP("upgrade 10 (mesh): istiod-1-8-0 is gone with its pod; new pods still get 1-8-1's sidecar");
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
  {
    E2E_STEP("cleanup: iop operator remove --revision 1-8-0 leaves 1-8-1 working");
    requireSuccess(runIop({"operator", "remove", "--revision", "1-8-0"}, "y\n"),
                   "iop operator remove --revision 1-8-0");
    // Its Deployment is gone, so its pod would be stopped: stop the local process too.
    op180->signal(SIGTERM);
    CHECK(op180->wait(std::chrono::seconds(15)) == 0);
    CHECK(getJson({"-n", "istio-operator", "deployment", "istio-operator-1-8-0"}).is_null());
    CHECK(getJson({"-n", "istio-operator", "deployment", "istio-operator-1-8-1"}).is_object());
    CHECK(getJson({"crd", "istiooperators.install.istio.io"}).is_object());
    // The 1-8-1 operator still reconciles: a deleted istiod comes back.
    const std::string uid = jsonpath({"-n", "istio-system", "deployment", "istiod-1-8-1"}, "{.metadata.uid}");
    requireSuccess(kubectl({"delete", "deployment", "-n", "istio-system", "istiod-1-8-1"}),
                   "kubectl delete deployment");
    bool repaired = eventually(
        [&] {
          std::string now = jsonpath({"-n", "istio-system", "deployment", "istiod-1-8-1"}, "{.metadata.uid}");
          return !now.empty() && now != uid;
        },
        std::chrono::seconds(60));
    INFO("operator 1-8-1 log:\n" << op181->log());
    CHECK(repaired);
    requireHealthy("control-plane-1-8-1");
    CHECK(healthy("gateways"));
    std::string log = op181->log();
    CHECK(log.find("Forbidden") == std::string::npos);
  }
}
