// Pure parts of the applier and reconciler: drift detection, the desired-state hash, readiness,
// status and revision matching.
#include <catch2/catch.hpp>

#include "reconcilers/apply/applier.h"
#include "reconcilers/apply/desired_hash.h"
#include "reconcilers/operator/install_status.h"
#include "reconcilers/operator/istio_operator_reconciler.h"

using namespace iop::reconcilers;
using json = nlohmann::json;

TEST_CASE("drift ignores what the server adds and canonicalizes, and finds an edited field", "[applier]") {
  json desired = {
      {"spec",
       {{"replicas", 1},
        {"affinity", {{"nodeAffinity", nullptr}}},
        {"containers",
         json::array({{{"name", "c"},
                       {"image", "a:1"},
                       {"env", json::array({{{"name", "PLATFORM"}, {"value", ""}}})},
                       {"resources", {{"limits", {{"cpu", "2000m"}, {"memory", "1024Mi"}}}}}}})}}}};
  json live = {
      {"spec",
       {{"replicas", 1},
        {"affinity", json::object()},
        {"progressDeadlineSeconds", 600},
        {"containers", json::array({{{"name", "c"},
                                     {"image", "a:1"},
                                     {"terminationMessagePath", "/dev/termination-log"},
                                     {"env", json::array({{{"name", "PLATFORM"}}})},
                                     {"resources", {{"limits", {{"cpu", "2"}, {"memory", "1Gi"}}}}}}})}}}};
  CHECK(driftedField(live, desired) == "");

  live["spec"]["containers"][0]["image"] = "evil:1";
  CHECK(driftedField(live, desired) == ".spec.containers[0].image");
  live["spec"]["containers"][0]["image"] = "a:1";
  live["spec"]["containers"][0]["resources"]["limits"]["cpu"] = "3";
  CHECK(driftedField(live, desired) == ".spec.containers[0].resources.limits.cpu");
  live["spec"]["containers"][0]["resources"]["limits"]["cpu"] = "2";
  live["spec"]["containers"].push_back({{"name", "extra"}});
  CHECK(driftedField(live, desired) == ".spec.containers");
}

TEST_CASE("istiod switching its validating webhook from Ignore to Fail is not drift", "[applier]") {
  json desired = {
      {"kind", "ValidatingWebhookConfiguration"},
      {"webhooks", json::array({{{"name", "rev.validation.istio.io"}, {"failurePolicy", "Ignore"}}})}};
  json live = desired;
  live["webhooks"][0]["failurePolicy"] = "Fail";
  live["webhooks"][0]["clientConfig"] = {{"caBundle", "cm9vdA=="}};
  CHECK(driftedField(live, desired) == "");
  // Only that one-way switch of istiod's: anything else is still repaired.
  live["webhooks"][0]["name"] = "other.validation.istio.io";
  CHECK(driftedField(live, desired) == ".webhooks[0].failurePolicy");
  json failClosed = desired;
  failClosed["webhooks"][0]["failurePolicy"] = "Fail";
  json opened = failClosed;
  opened["webhooks"][0]["failurePolicy"] = "Ignore";
  CHECK(driftedField(opened, failClosed) == ".webhooks[0].failurePolicy");
  json mutating = desired;
  mutating["kind"] = "MutatingWebhookConfiguration";
  json mutatingLive = mutating;
  mutatingLive["webhooks"][0]["failurePolicy"] = "Fail";
  CHECK(driftedField(mutatingLive, mutating) == ".webhooks[0].failurePolicy");
}

TEST_CASE("the desired hash is stable, ignores its own annotation and changes with the object", "[applier]") {
  json o = {{"kind", "ConfigMap"}, {"metadata", {{"name", "a"}}}, {"data", {{"k", "v"}}}};
  json hashed = withDesiredHash(o);
  CHECK(liveHash(hashed) == desiredHash(o));
  CHECK(desiredHash(hashed) == desiredHash(o));
  CHECK(desiredHash(o).size() == 16);
  o["data"]["k"] = "w";
  CHECK(desiredHash(o) != liveHash(hashed));
}

TEST_CASE("a workload is ready once its status caught up with its spec", "[applier]") {
  json d = {{"kind", "Deployment"},
            {"metadata", {{"generation", 2}}},
            {"spec", {{"replicas", 2}}},
            {"status",
             {{"observedGeneration", 1}, {"replicas", 2}, {"updatedReplicas", 2}, {"availableReplicas", 2}}}};
  CHECK(workloadNotReadyReason(d) == "spec change not observed yet");
  d["status"]["observedGeneration"] = 2;
  CHECK(workloadNotReadyReason(d) == "");
  d["status"]["availableReplicas"] = 1;
  CHECK(workloadNotReadyReason(d) == "2/2 updated, 1/2 available");
  json ds = {{"kind", "DaemonSet"},
             {"metadata", {{"generation", 1}}},
             {"status",
              {{"observedGeneration", 1},
               {"desiredNumberScheduled", 3},
               {"updatedNumberScheduled", 3},
               {"numberAvailable", 3}}}};
  CHECK(workloadNotReadyReason(ds) == "");
  ds["status"]["updatedNumberScheduled"] = 2;
  CHECK(workloadNotReadyReason(ds) != "");
}

TEST_CASE("status keeps a condition's transition time until the condition flips", "[status]") {
  InstallStatus st;
  st.status = kStatusHealthy;
  st.components["Pilot"] = {kStatusHealthy, ""};
  st.observedGeneration = 3;
  st.reconciled = {"Reconciled", true, "Applied", "ok"};
  st.ready = {"Ready", true, "Healthy", "ok"};
  json first = statusObject(st, json(), "2026-01-01T00:00:00Z");
  json same = statusObject(st, first, "2026-01-02T00:00:00Z");
  CHECK(mergePatchBetween(first, same).empty());
  st.ready = {"Ready", false, "WorkloadsNotReady", "waiting"};
  json flipped = statusObject(st, first, "2026-01-02T00:00:00Z");
  CHECK(flipped["conditions"][0]["lastTransitionTime"] == "2026-01-01T00:00:00Z");
  CHECK(flipped["conditions"][1]["lastTransitionTime"] == "2026-01-02T00:00:00Z");
  CHECK(flipped["conditions"][1]["observedGeneration"] == 3);
}

TEST_CASE("a merge patch between two statuses nulls what went away", "[status]") {
  json from = {
      {"componentStatus", {{"Pilot", {{"status", "HEALTHY"}}}, {"IngressGateways", {{"status", "HEALTHY"}}}}},
      {"status", "HEALTHY"}};
  json to = {{"componentStatus", {{"Pilot", {{"status", "HEALTHY"}}}}}, {"status", "HEALTHY"}};
  CHECK(mergePatchBetween(from, to) == json{{"componentStatus", {{"IngressGateways", nullptr}}}});
}

TEST_CASE("the overall status is the worst component's", "[status]") {
  CHECK(overallStatus({}) == kStatusHealthy);
  CHECK(overallStatus({{"A", {kStatusHealthy, ""}}, {"B", {kStatusReconciling, ""}}}) == kStatusReconciling);
  CHECK(overallStatus({{"A", {kStatusError, "x"}}, {"B", {kStatusReconciling, ""}}}) == kStatusError);
}

TEST_CASE("an operator's revision matches CRs with the same spec.revision, default meaning empty",
          "[reconciler]") {
  json cr = {{"spec", {{"revision", "1-8-0"}}}};
  CHECK(revisionMatches(cr, "1-8-0"));
  CHECK_FALSE(revisionMatches(cr, ""));
  json none = {{"spec", json::object()}};
  CHECK(revisionMatches(none, ""));
  CHECK(revisionMatches(none, "default"));
  CHECK(revisionMatches({{"spec", {{"revision", "default"}}}}, ""));
  CHECK_FALSE(revisionMatches(none, "1-8-0"));
}
