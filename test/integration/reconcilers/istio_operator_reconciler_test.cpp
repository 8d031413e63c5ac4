// The IstioOperator operator (`iop run`'s runtime, in-process) against the real cluster: each
// case has its own namespace and revision, so cases run in parallel.
#include "operator_test_support.h"

using namespace iop::reconcilers::testing;
using iop::reconcilers::kDesiredHashAnnotation;
using iop::reconcilers::kFinalizer;
using iop::reconcilers::kIstioOperatorGVK;
using iop::reconcilers::kOwningResourceLabel;

TEST_CASE(
    "a gateway CR is installed and reports HEALTHY once its pods run, a restart writes nothing, drift is "
    "repaired",
    "[reconciler]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-gw");
  const std::string rev = iop::test::uniqueName("gw");
  std::string deploymentRV, sliceRV, controllerSliceUID;
  // A remote control plane renders an EndpointSlice (istiod's address), a kind the
  // endpointslice controller also writes with iop's labels copied from a Service.
  json remote = {
      {"apiVersion", "install.istio.io/v1alpha1"},
      {"kind", "IstioOperator"},
      {"metadata", {{"name", "remote"}, {"namespace", ns.name()}}},
      {"spec",
       {{"profile", "remote"},
        {"revision", rev},
        {"namespace", ns.name()},
        {"values", {{"global", {{"istioNamespace", ns.name()}, {"remotePilotAddress", "10.9.8.7"}}}}},
        {"components", {{"base", {{"enabled", false}}}}}}}};
  const std::string remoteSelector = std::string(kOwningResourceLabel) + "=remote";
  const std::string gatewaySlices = "kubernetes.io/service-name=istio-ingressgateway";
  {
    RunningOperator op(rev, ns.name());
    applyCR(*admin, gatewayCR(ns.name(), "gateways", rev, {{"istio-ingressgateway", true}}));
    applyCR(*admin, remote);
    REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "gateways") == "HEALTHY"; }, 30s));
    REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "remote") == "HEALTHY"; }, 30s));
    auto slices = admin->list(kEndpointSlice, ns.name(), {.labelSelector = remoteSelector});
    REQUIRE(slices.ok());
    REQUIRE((*slices)["items"].size() == 1);
    sliceRV = (*slices)["items"][0]["metadata"]["resourceVersion"];
    // The controller's slice of the gateway Service carries the Service's ownership labels, but
    // is not iop's: it is neither pruned nor rewritten.
    REQUIRE(eventually([&] {
      auto s = admin->list(kEndpointSlice, ns.name(), {.labelSelector = gatewaySlices});
      return s.ok() && !(*s)["items"].empty();
    }));
    auto controllerSlices = admin->list(kEndpointSlice, ns.name(), {.labelSelector = gatewaySlices});
    REQUIRE(controllerSlices.ok());
    controllerSliceUID = (*controllerSlices)["items"][0]["metadata"]["uid"];
    CHECK(label((*controllerSlices)["items"][0], kOwningResourceLabel) == "gateways");
    json cr = getCR(*admin, ns.name(), "gateways");
    CHECK(cr["metadata"]["finalizers"] == json::array({kFinalizer}));
    CHECK(cr["status"]["componentStatus"]["IngressGateways"]["status"] == "HEALTHY");
    CHECK(cr["status"]["observedGeneration"] == cr["metadata"]["generation"]);
    json dep = getOr(*admin, kDeployment, ns.name(), "istio-ingressgateway");
    REQUIRE(dep.is_object());
    CHECK(label(dep, kOwningResourceLabel) == "gateways");
    CHECK(label(dep, "istio.io/rev") == rev);
    CHECK(!dep["metadata"]["annotations"].value(kDesiredHashAnnotation, "").empty());
    CHECK(exists(*admin, kService, ns.name(), "istio-ingressgateway"));
    deploymentRV = dep["metadata"]["resourceVersion"];
  }
  {
    // A new operator process (fresh caches, fresh client) finds everything right: zero writes.
    RunningOperator op(rev, ns.name());
    std::this_thread::sleep_for(3s);
    INFO(op.describeRequests());
    CHECK(op.writes() == 0);
    CHECK(getOr(*admin, kDeployment, ns.name(), "istio-ingressgateway")["metadata"]["resourceVersion"] ==
          deploymentRV);
    auto slices = admin->list(kEndpointSlice, ns.name(), {.labelSelector = remoteSelector});
    REQUIRE(slices.ok());
    REQUIRE((*slices)["items"].size() == 1);
    CHECK((*slices)["items"][0]["metadata"]["resourceVersion"] == sliceRV);
    CHECK(getOr(*admin, kEndpointSlice, ns.name(), (*slices)["items"][0]["metadata"]["name"]).is_object());
    auto controllerSlices = admin->list(kEndpointSlice, ns.name(), {.labelSelector = gatewaySlices});
    REQUIRE(controllerSlices.ok());
    bool kept = false;
    for (const auto& s : (*controllerSlices)["items"]) kept |= s["metadata"]["uid"] == controllerSliceUID;
    CHECK(kept);

    SECTION("a deleted Deployment comes back") {
      REQUIRE(admin->remove(kDeployment, ns.name(), "istio-ingressgateway").ok());
      CHECK(eventually([&] {
        json d = getOr(*admin, kDeployment, ns.name(), "istio-ingressgateway");
        return d.is_object() && !d["metadata"].contains("deletionTimestamp") &&
               d["metadata"]["resourceVersion"] != deploymentRV;
      }));
    }
    SECTION("an edited field iop owns is repaired and a rollout restart annotation survives") {
      auto restart =
          iop::test::kubectl({"-n", ns.name(), "rollout", "restart", "deployment/istio-ingressgateway"});
      REQUIRE(restart.exitCode == 0);
      auto edit = iop::test::kubectl({"-n", ns.name(), "set", "image", "deployment/istio-ingressgateway",
                                      "istio-proxy=example.com/evil:1"});
      INFO(edit.out);
      REQUIRE(edit.exitCode == 0);
      CHECK(eventually([&] {
        json d = getOr(*admin, kDeployment, ns.name(), "istio-ingressgateway");
        return d.is_object() &&
               d["spec"]["template"]["spec"]["containers"][0]["image"] != "example.com/evil:1";
      }));
      json d = getOr(*admin, kDeployment, ns.name(), "istio-ingressgateway");
      CHECK(d["spec"]["template"]["metadata"]["annotations"].contains("kubectl.kubernetes.io/restartedAt"));
    }
    // Its webhooks and cluster roles are cluster-wide: uninstall them while the operator runs.
    REQUIRE(admin->remove(kIstioOperatorGVK, ns.name(), "remote").ok());
    CHECK(eventually([&] { return !getCR(*admin, ns.name(), "remote").is_object(); }));
    auto left = admin->list(kEndpointSlice, ns.name(), {.labelSelector = remoteSelector});
    REQUIRE(left.ok());
    CHECK(left->at("items").empty());
  }
}

TEST_CASE("disabling a gateway prunes its objects and deleting the CR removes exactly what it owns",
          "[reconciler]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-prune");
  const std::string rev = iop::test::uniqueName("pr");
  RunningOperator op(rev, ns.name());
  applyCR(*admin, gatewayCR(ns.name(), "a", rev, {{"gw-one", true}, {"gw-two", true}}));
  applyCR(*admin, gatewayCR(ns.name(), "b", rev, {{"gw-three", true}}));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "a") == "HEALTHY"; }, 30s));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "b") == "HEALTHY"; }, 30s));
  REQUIRE(exists(*admin, kDeployment, ns.name(), "gw-two"));

  applyCR(*admin, gatewayCR(ns.name(), "a", rev, {{"gw-one", true}, {"gw-two", false}}));
  CHECK(eventually([&] {
    return !exists(*admin, kDeployment, ns.name(), "gw-two") &&
           !exists(*admin, kService, ns.name(), "gw-two");
  }));
  CHECK(exists(*admin, kDeployment, ns.name(), "gw-one"));

  REQUIRE(admin->remove(kIstioOperatorGVK, ns.name(), "a").ok());
  CHECK(eventually([&] { return !getCR(*admin, ns.name(), "a").is_object(); }));
  CHECK(!exists(*admin, kDeployment, ns.name(), "gw-one"));
  CHECK(!exists(*admin, kService, ns.name(), "gw-one"));
  CHECK(exists(*admin, kDeployment, ns.name(), "gw-three"));
  CHECK(exists(*admin, kService, ns.name(), "gw-three"));
}

TEST_CASE(
    "two CRs rendering the same gateway: the second reports the conflict and touches nothing, then adopts "
    "the objects once the first is gone",
    "[reconciler]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-conflict");
  const std::string rev = iop::test::uniqueName("cf");
  RunningOperator op(rev, ns.name());
  applyCR(*admin, gatewayCR(ns.name(), "first", rev, {{"shared-gw", true}}));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "first") == "HEALTHY"; }, 30s));
  std::string rv = getOr(*admin, kDeployment, ns.name(), "shared-gw")["metadata"]["resourceVersion"];

  applyCR(*admin, gatewayCR(ns.name(), "second", rev, {{"shared-gw", true}}));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "second") == "ERROR"; }));
  json second = getCR(*admin, ns.name(), "second");
  std::string error = second["status"]["componentStatus"]["IngressGateways"].value("error", "");
  CHECK(error.find("IstioOperator " + ns.name() + "/first") != std::string::npos);
  bool conditionNamesFirst = false;
  for (const auto& c : second["status"]["conditions"])
    if (c["type"] == "Reconciled" && c["reason"] == "OwnershipConflict")
      conditionNamesFirst = c.value("message", "").find(ns.name() + "/first") != std::string::npos;
  CHECK(conditionNamesFirst);
  json dep = getOr(*admin, kDeployment, ns.name(), "shared-gw");
  CHECK(label(dep, kOwningResourceLabel) == "first");
  CHECK(dep["metadata"]["resourceVersion"] == rv);
  auto events = admin->list(iop::kube::GroupVersionKind{"", "v1", "Event"}, ns.name(),
                            {.fieldSelector = "involvedObject.name=second,reason=OwnershipConflict"});
  REQUIRE(events.ok());
  CHECK(!(*events)["items"].empty());
  CHECK(crStatus(*admin, ns.name(), "first") == "HEALTHY");

  // Once "first" is deleted (its finalizer removes its objects), "second" installs its own.
  REQUIRE(admin->remove(kIstioOperatorGVK, ns.name(), "first").ok());
  CHECK(eventually(
      [&] {
        json d = getOr(*admin, kDeployment, ns.name(), "shared-gw");
        return d.is_object() && label(d, kOwningResourceLabel) == "second" &&
               crStatus(*admin, ns.name(), "second") == "HEALTHY";
      },
      40s));
}

TEST_CASE("each operator reconciles only the CRs of its own revision", "[reconciler]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-revs");
  const std::string r1 = iop::test::uniqueName("ra"), r2 = iop::test::uniqueName("rb");
  RunningOperator op1(r1, ns.name());
  RunningOperator op2(r2, ns.name());
  applyCR(*admin, gatewayCR(ns.name(), "one", r1, {{"gw-r1", true}}));
  applyCR(*admin, gatewayCR(ns.name(), "two", r2, {{"gw-r2", true}}));
  applyCR(*admin, gatewayCR(ns.name(), "orphan", iop::test::uniqueName("rc"), {{"gw-r3", true}}));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "one") == "HEALTHY"; }, 30s));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "two") == "HEALTHY"; }, 30s));
  CHECK(label(getOr(*admin, kDeployment, ns.name(), "gw-r1"), "istio.io/rev") == r1);
  CHECK(label(getOr(*admin, kDeployment, ns.name(), "gw-r2"), "istio.io/rev") == r2);
  json orphan = getCR(*admin, ns.name(), "orphan");
  CHECK(!orphan.contains("status"));
  CHECK(!orphan["metadata"].contains("finalizers"));
  CHECK(!exists(*admin, kDeployment, ns.name(), "gw-r3"));
}

TEST_CASE("an invalid CR gets status ERROR with the field path and nothing is applied", "[reconciler]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-invalid");
  const std::string rev = iop::test::uniqueName("iv");
  RunningOperator op(rev, ns.name());
  json cr = gatewayCR(ns.name(), "bad", rev, {{"gw-bad", true}});
  // Past what the CRD checks (an unknown profile never gets here): k8s is iop's to judge.
  cr["spec"]["components"]["ingressGateways"][0]["k8s"] = {{"replicaCount", "two"}};
  applyCR(*admin, cr);
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "bad") == "ERROR"; }));
  json got = getCR(*admin, ns.name(), "bad");
  std::string message;
  for (const auto& c : got["status"]["conditions"])
    if (c["type"] == "Reconciled") message = c.value("message", "");
  CHECK(message.find("spec.components.ingressGateways[0].k8s.replicaCount") != std::string::npos);
  CHECK(!exists(*admin, kDeployment, ns.name(), "gw-bad"));
}

TEST_CASE("deleting a control plane is held with ACTION_REQUIRED while a namespace selects its revision",
          "[reconciler]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-cp");
  TestNamespace workload(*admin, "iop-workload");
  const std::string rev = iop::test::uniqueName("cp");
  RunningOperator op(rev, ns.name());
  json cr = {{"apiVersion", "install.istio.io/v1alpha1"},
             {"kind", "IstioOperator"},
             {"metadata", {{"name", "control-plane"}, {"namespace", ns.name()}}},
             {"spec",
              {{"profile", "minimal"},
               {"revision", rev},
               {"namespace", ns.name()},
               {"values", {{"global", {{"istioNamespace", ns.name()}}}}},
               {"components", {{"base", {{"enabled", false}}}}}}}};
  applyCR(*admin, cr);
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "control-plane") == "HEALTHY"; }, 40s));
  REQUIRE(exists(*admin, kDeployment, ns.name(), "istiod-" + rev));
  auto labeled = iop::test::kubectl({"label", "namespace", workload.name(), "istio.io/rev=" + rev});
  REQUIRE(labeled.exitCode == 0);

  REQUIRE(admin->remove(kIstioOperatorGVK, ns.name(), "control-plane").ok());
  bool held = eventually([&] { return crStatus(*admin, ns.name(), "control-plane") == "ACTION_REQUIRED"; });
  INFO(getCR(*admin, ns.name(), "control-plane").dump());
  REQUIRE(held);
  std::string message;
  json heldCR = getCR(*admin, ns.name(), "control-plane");
  for (const auto& c : heldCR["status"]["conditions"])
    if (c["type"] == "Reconciled") message = c.value("message", "");
  CHECK(message.find(workload.name()) != std::string::npos);
  CHECK(exists(*admin, kDeployment, ns.name(), "istiod-" + rev));

  // The force annotation lets it go: everything it owns is removed, then the CR.
  auto annotated = iop::test::kubectl(
      {"-n", ns.name(), "annotate", "istiooperator", "control-plane", "install.istio.io/force-delete=true"});
  REQUIRE(annotated.exitCode == 0);
  CHECK(eventually([&] { return !getCR(*admin, ns.name(), "control-plane").is_object(); }, 30s));
  CHECK(!exists(*admin, kDeployment, ns.name(), "istiod-" + rev));
  CHECK(!exists(*admin, iop::kube::GroupVersionKind{"rbac.authorization.k8s.io", "v1", "ClusterRole"}, "",
                "istiod-clusterrole-" + rev + "-" + ns.name()));
}

TEST_CASE("a gateway CR says in ControlPlaneFound whether an istiod of its revision exists, and follows it",
          "[reconciler]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-cpf");
  const std::string rev = iop::test::uniqueName("cf");
  RunningOperator op(rev, ns.name());
  auto condition = [&](const std::string& name) {
    json got = getCR(*admin, ns.name(), name);
    if (got.is_object())
      for (const auto& c : got.value("status", json::object()).value("conditions", json::array()))
        if (c["type"] == "ControlPlaneFound") return c;
    return json::object();  // none (yet)
  };
  applyCR(*admin, gatewayCR(ns.name(), "gateways", rev, {{"gw-cpf", true}}));
  REQUIRE(eventually([&] { return condition("gateways").value("status", "") == "False"; }, 30s));
  CHECK(condition("gateways").value("reason", "") == "NoControlPlane");
  CHECK_THAT(condition("gateways").value("message", ""),
             Catch::Contains("no control plane of revision " + rev + " is installed"));

  // The control plane of the revision arrives: the gateway CR looks again by itself.
  applyCR(*admin, {{"apiVersion", "install.istio.io/v1alpha1"},
                   {"kind", "IstioOperator"},
                   {"metadata", {{"name", "control-plane"}, {"namespace", ns.name()}}},
                   {"spec",
                    {{"profile", "minimal"},
                     {"revision", rev},
                     {"namespace", ns.name()},
                     {"values", {{"global", {{"istioNamespace", ns.name()}}}}},
                     {"components", {{"base", {{"enabled", false}}}}}}}});
  bool found = eventually([&] { return condition("gateways").value("status", "") == "True"; }, 40s);
  INFO(condition("gateways").dump());
  CHECK(found);
  CHECK_THAT(condition("gateways").value("message", ""),
             Catch::Contains("istiod " + ns.name() + "/istiod-" + rev));
  // A control plane CR carries no such condition: it is its own control plane.
  CHECK(condition("control-plane").empty());
  REQUIRE(admin->remove(kIstioOperatorGVK, ns.name(), "control-plane").ok());
  CHECK(eventually([&] { return condition("gateways").value("status", "") == "False"; }, 40s));
}
