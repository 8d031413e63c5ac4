// What the operator's caches keep of a live object: everything the applier, prune and the
// readiness check read, and nothing of the bulk they never look at.
#include "reconcilers/apply/live_state.h"

#include <catch2/catch.hpp>

#include "reconcilers/apply/applier.h"
#include "reconcilers/apply/desired_hash.h"

using namespace iop::reconcilers;
using json = nlohmann::json;

namespace {

json managedField(const std::string& manager, const std::string& operation) {
  return {{"manager", manager},
          {"operation", operation},
          {"apiVersion", "apps/v1"},
          {"fieldsType", "FieldsV1"},
          {"fieldsV1", {{"f:spec", {{"f:replicas", json::object()}}}}}};
}

json liveObject() {
  return {{"metadata",
           {{"name", "gw"},
            {"namespace", "ns1"},
            {"uid", "u-1"},
            {"generation", 2},
            {"labels", {{kOwningResourceLabel, "cr"}, {kOwningNamespaceLabel, "ns1"}}},
            {"annotations",
             {{kDesiredHashAnnotation, "h1"}, {"kubectl.kubernetes.io/last-applied-configuration", "{...}"}}},
            {"managedFields",
             {managedField(kFieldManager, "Apply"), managedField("kube-controller-manager", "Update"),
              managedField(kReplicasHandoffManager, "Apply"), managedField(kFieldManager, "Update")}}}},
          {"spec", {{"replicas", 2}}},
          {"status",
           {{"observedGeneration", 2}, {"replicas", 2}, {"updatedReplicas", 1}, {"availableReplicas", 2}}}};
}

}  // namespace

TEST_CASE("a cached Deployment keeps status and only iop's own Apply entry of managedFields",
          "[live_state]") {
  json live = liveObject();
  const json before = live;
  trimForCache(*ownedKind("Deployment"), live);
  // iop's Apply entry, reduced to the one field the replica hand-over looks for.
  CHECK(live["metadata"]["managedFields"] ==
        json::array({{{"manager", kFieldManager},
                      {"operation", "Apply"},
                      {"fieldsV1", {{"f:spec", {{"f:replicas", json::object()}}}}}}}));
  CHECK(live["status"] == before["status"]);
  CHECK(live["spec"] == before["spec"]);
  CHECK(workloadNotReadyReason(live) == workloadNotReadyReason(before));
  CHECK(live["metadata"]["annotations"] == json{{kDesiredHashAnnotation, "h1"}});
  CHECK(liveHash(live) == "h1");
  CHECK(ownerOf(live) == Owner{"cr", "ns1"});
  CHECK(live["metadata"]["uid"] == "u-1");
}

TEST_CASE("a cached object of another kind loses status, managedFields and kubectl's last-applied copy",
          "[live_state]") {
  for (const char* kind :
       {"Service", "ServiceAccount", "HorizontalPodAutoscaler", "CustomResourceDefinition"}) {
    INFO(kind);
    json live = liveObject();
    trimForCache(*ownedKind(kind), live);
    CHECK_FALSE(live.contains("status"));
    CHECK_FALSE(live["metadata"].contains("managedFields"));
    CHECK(live["metadata"]["annotations"] == json{{kDesiredHashAnnotation, "h1"}});
    CHECK(live["metadata"]["labels"] == liveObject()["metadata"]["labels"]);
    CHECK(live["spec"] == json{{"replicas", 2}});
  }
}

TEST_CASE("a DaemonSet keeps its status for the readiness check", "[live_state]") {
  json live = liveObject();
  trimForCache(*ownedKind("DaemonSet"), live);
  CHECK(live.contains("status"));
  CHECK_FALSE(live["metadata"].contains("managedFields"));
}

TEST_CASE("an object whose only annotation was kubectl's last-applied copy is left with no annotations",
          "[live_state]") {
  json live = {
      {"metadata",
       {{"name", "x"}, {"annotations", {{"kubectl.kubernetes.io/last-applied-configuration", "{}"}}}}}};
  trimForCache(*ownedKind("ConfigMap"), live);
  CHECK(live == json{{"metadata", {{"name", "x"}}}});
}

TEST_CASE("a cached Deployment keeps only the status counters readiness reads, and no creationTimestamp",
          "[live_state]") {
  json live = liveObject();
  live["metadata"]["creationTimestamp"] = "2026-11-29T00:00:00Z";
  live["status"]["conditions"] = json::array(
      {{{"type", "Available"}, {"status", "True"}, {"message", "Deployment has minimum availability."}}});
  live["status"]["readyReplicas"] = 2;
  const json before = live;
  trimForCache(*ownedKind("Deployment"), live);
  CHECK(live["status"] == liveObject()["status"]);
  CHECK_FALSE(live["metadata"].contains("creationTimestamp"));
  CHECK(workloadNotReadyReason(live) == workloadNotReadyReason(before));
  // Ready or not, the trimmed copy says the same.
  live = before;
  live["status"]["updatedReplicas"] = 2;
  json trimmed = live;
  trimForCache(*ownedKind("Deployment"), trimmed);
  CHECK(workloadNotReadyReason(trimmed) == "");
  CHECK(workloadNotReadyReason(trimmed) == workloadNotReadyReason(live));
}

TEST_CASE("a cached Deployment whose iop Apply entry does not hold spec.replicas keeps no managedFields",
          "[live_state]") {
  json live = liveObject();
  live["metadata"]["managedFields"][0]["fieldsV1"] = {{"f:spec", {{"f:template", json::object()}}}};
  trimForCache(*ownedKind("Deployment"), live);
  CHECK_FALSE(live["metadata"].contains("managedFields"));
}
