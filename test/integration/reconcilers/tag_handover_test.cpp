// Revision tags through the operator (GitOps): a CR's values.revisionTags renders the tag's
// injector webhook and Service, owned like any other object; moving the tag from the old
// revision's CR to the new one's hands them over in place, never absent, whichever operator
// gets to its CR first.
#include <mutex>
#include <set>

#include "operator_test_support.h"

using namespace iop::reconcilers::testing;
using iop::reconcilers::kOwningResourceLabel;

namespace {

const iop::kube::GroupVersionKind kMutating{"admissionregistration.k8s.io", "v1",
                                            "MutatingWebhookConfiguration"};
const iop::kube::GroupVersionKind kEvent{"", "v1", "Event"};

// A control plane of `revision` in ns (no Base: cluster-wide CRDs are the e2e's), declaring `tags`.
json controlPlaneCR(const std::string& ns, const std::string& name, const std::string& revision,
                    const std::vector<std::string>& tags) {
  return {{"apiVersion", "install.istio.io/v1alpha1"},
          {"kind", "IstioOperator"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"profile", "minimal"},
            {"revision", revision},
            {"values", {{"global", {{"istioNamespace", ns}}}, {"revisionTags", tags}}},
            {"components", {{"base", {{"enabled", false}}}}}}}};
}

// Reads an object every 25 ms: whether it was ever missing, and every uid seen.
class PresenceWatch {
 public:
  PresenceWatch(iop::kube::Client& client, const iop::kube::GroupVersionKind& gvk, const std::string& ns,
                const std::string& name)
      : poller_(std::chrono::milliseconds(25), [this, &client, gvk, ns, name] {
          auto r = client.get(gvk, ns, name);
          std::lock_guard lock(mu_);
          if (!r) {
            ++missing_;
            return;
          }
          uids_.insert((*r)["metadata"].value("uid", ""));
        }) {}
  // Reads a few more times, stops polling, and CHECKs it was never missing, always the same object.
  void requireAlwaysPresent(const std::string& uid) {
    const int seen = poller_.rounds();
    CHECK(eventually([&] { return poller_.rounds() >= seen + 3; }));
    poller_.stop();
    std::lock_guard lock(mu_);
    CHECK(poller_.rounds() > 3);
    CHECK(missing_ == 0);
    CHECK(uids_ == std::set<std::string>{uid});
  }

 private:
  std::mutex mu_;  // guards missing_ and uids_
  int missing_ = 0;
  std::set<std::string> uids_;
  Poller poller_;  // last: stopped before the fields it writes go
};

std::size_t eventsOf(iop::kube::Client& c, const std::string& ns, const std::string& cr,
                     const std::string& reason) {
  auto events = c.list(kEvent, ns, {.fieldSelector = "involvedObject.name=" + cr + ",reason=" + reason});
  REQUIRE(events.ok());
  return (*events)["items"].size();
}

}  // namespace

TEST_CASE("a tag moved from the old revision's CR to the new one's changes hands in place, never absent",
          "[reconciler][sharing][tag]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-tagmove");
  const std::string r1 = iop::test::uniqueName("ga"), r2 = iop::test::uniqueName("gb");
  const std::string tag = iop::test::uniqueName("stable");
  // Outside istio-system the chart suffixes the namespace (several Istios in one cluster).
  const std::string webhook = "istio-revision-tag-" + tag + "-" + ns.name();
  const std::string service = "istiod-revision-tag-" + tag;
  RunningOperator op1(r1, ns.name());
  RunningOperator op2(r2, ns.name());
  applyCR(*admin, controlPlaneCR(ns.name(), "cp-old", r1, {tag}));
  applyCR(*admin, controlPlaneCR(ns.name(), "cp-new", r2, {}));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "cp-old") == "HEALTHY"; }, 40s));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "cp-new") == "HEALTHY"; }, 40s));

  json wh = getOr(*admin, kMutating, "", webhook);
  REQUIRE(wh.is_object());
  CHECK(label(wh, kOwningResourceLabel) == "cp-old");
  CHECK(label(wh, "istio.io/rev") == r1);
  CHECK(label(wh, "istio.io/tag") == tag);
  CHECK(wh["webhooks"][0]["clientConfig"]["service"]["name"] == "istiod-" + r1);
  const std::string whUid = wh["metadata"]["uid"];
  const std::string svcUid = getOr(*admin, kService, ns.name(), service)["metadata"]["uid"];

  {
    PresenceWatch watchWebhook(*admin, kMutating, "", webhook);
    PresenceWatch watchService(*admin, kService, ns.name(), service);
    // One change in Git, applied in either order: the old CR lets go first (its operator would
    // delete the tag if the new CR's claim were not asked), or the new CR claims it first.
    SECTION("the old CR lets go first") {
      applyCR(*admin, controlPlaneCR(ns.name(), "cp-old", r1, {}));
      applyCR(*admin, controlPlaneCR(ns.name(), "cp-new", r2, {tag}));
    }
    SECTION("the new CR claims it first") {
      applyCR(*admin, controlPlaneCR(ns.name(), "cp-new", r2, {tag}));
      applyCR(*admin, controlPlaneCR(ns.name(), "cp-old", r1, {}));
    }
    CHECK(eventually(
        [&] {
          json w = getOr(*admin, kMutating, "", webhook);
          json s = getOr(*admin, kService, ns.name(), service);
          return label(w, kOwningResourceLabel) == "cp-new" && label(w, "istio.io/rev") == r2 &&
                 w["webhooks"][0]["clientConfig"]["service"]["name"] == "istiod-" + r2 &&
                 label(s, kOwningResourceLabel) == "cp-new" && s["spec"]["selector"]["istio.io/rev"] == r2;
        },
        30s));
    watchWebhook.requireAlwaysPresent(whUid);
    watchService.requireAlwaysPresent(svcUid);
  }
  CHECK(eventually([&] { return crStatus(*admin, ns.name(), "cp-new") == "HEALTHY"; }));
  CHECK(eventually([&] { return crStatus(*admin, ns.name(), "cp-old") == "HEALTHY"; }));
  CHECK(eventsOf(*admin, ns.name(), "cp-new", "OwnershipConflict") == 0);
  CHECK(eventsOf(*admin, ns.name(), "cp-old", "OwnershipConflict") == 0);

  // The tag is cp-new's now: deleting cp-old leaves it alone; deleting cp-new removes it.
  REQUIRE(admin->remove(iop::reconcilers::kIstioOperatorGVK, ns.name(), "cp-old").ok());
  REQUIRE(eventually([&] { return !getCR(*admin, ns.name(), "cp-old").is_object(); }, 30s));
  CHECK(getOr(*admin, kMutating, "", webhook)["metadata"]["uid"] == whUid);
  REQUIRE(admin->remove(iop::reconcilers::kIstioOperatorGVK, ns.name(), "cp-new").ok());
  REQUIRE(eventually([&] { return !getCR(*admin, ns.name(), "cp-new").is_object(); }, 30s));
  CHECK(eventually([&] { return !exists(*admin, kMutating, "", webhook); }));
}
