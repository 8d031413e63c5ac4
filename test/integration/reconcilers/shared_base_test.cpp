// Two control planes of two revisions (the canary upgrade): the Base objects every revision
// renders the same (the reader ServiceAccount; the CRDs are off here, being cluster-wide and
// covered by the e2e on its own cluster) are shared, not fought over, and never absent while a
// CR still wants them.
#include <mutex>
#include <set>

#include "operator_test_support.h"

using namespace iop::reconcilers::testing;
using iop::reconcilers::kCoOwnersAnnotation;
using iop::reconcilers::kIstioOperatorGVK;
using iop::reconcilers::kOwningResourceLabel;

namespace {

const iop::kube::GroupVersionKind kEvent{"", "v1", "Event"};
const char* kReader = "istio-reader-service-account";

// A CR installing `profile` at `revision` into ns, with Base and its reader ServiceAccount.
json controlPlaneCR(const std::string& ns, const std::string& name, const std::string& revision,
                    const std::string& profile, bool base = true) {
  return {{"apiVersion", "install.istio.io/v1alpha1"},
          {"kind", "IstioOperator"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"profile", profile},
            {"revision", revision},
            {"values", {{"global", {{"istioNamespace", ns}}}, {"base", {{"enableIstioConfigCRDs", false}}}}},
            {"components", {{"base", {{"enabled", base}}}}}}}};
}

std::string coOwners(const json& o) {
  return o["metadata"].value("annotations", json::object()).value(kCoOwnersAnnotation, "");
}

std::size_t eventsOf(iop::kube::Client& c, const std::string& ns, const std::string& cr,
                     const std::string& reason) {
  auto events = c.list(kEvent, ns, {.fieldSelector = "involvedObject.name=" + cr + ",reason=" + reason});
  REQUIRE(events.ok());
  return (*events)["items"].size();
}

// Reads the reader ServiceAccount every 25 ms: whether it was ever missing, and every uid seen.
class ReaderWatch {
 public:
  ReaderWatch(iop::kube::Client& client, const std::string& ns)
      : poller_(std::chrono::milliseconds(25), [this, &client, ns] {
          auto r = client.get(kServiceAccount, ns, kReader);
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

}  // namespace

TEST_CASE(
    "two control planes of two revisions share the reader ServiceAccount, both HEALTHY without conflict, "
    "deleting the first hands it to the second without a gap, deleting the second removes it",
    "[reconciler][sharing]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-share");
  const std::string r1 = iop::test::uniqueName("sa"), r2 = iop::test::uniqueName("sb");
  RunningOperator op1(r1, ns.name());
  RunningOperator op2(r2, ns.name());
  applyCR(*admin, controlPlaneCR(ns.name(), "cp-old", r1, "minimal"));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "cp-old") == "HEALTHY"; }, 40s));
  applyCR(*admin, controlPlaneCR(ns.name(), "cp-new", r2, "minimal"));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "cp-new") == "HEALTHY"; }, 40s));

  CHECK(crStatus(*admin, ns.name(), "cp-old") == "HEALTHY");
  for (const char* cr : {"cp-old", "cp-new"}) {
    INFO(cr);
    CHECK(condition(getCR(*admin, ns.name(), cr), "Reconciled").value("status", "") == "True");
    CHECK(eventsOf(*admin, ns.name(), cr, "OwnershipConflict") == 0);
  }
  json reader = getOr(*admin, kServiceAccount, ns.name(), kReader);
  REQUIRE(reader.is_object());
  CHECK(label(reader, kOwningResourceLabel) == "cp-old");
  CHECK(label(reader, "istio.io/rev") == r1);
  CHECK(coOwners(reader) == ns.name() + "/cp-new@" + r2);
  const std::string uid = reader["metadata"]["uid"];

  {
    ReaderWatch watch(*admin, ns.name());
    REQUIRE(admin->remove(kIstioOperatorGVK, ns.name(), "cp-old").ok());
    REQUIRE(eventually([&] { return !getCR(*admin, ns.name(), "cp-old").is_object(); }, 30s));
    CHECK(eventually([&] {
      json sa = getOr(*admin, kServiceAccount, ns.name(), kReader);
      return label(sa, kOwningResourceLabel) == "cp-new" && label(sa, "istio.io/rev") == r2;
    }));
    watch.requireAlwaysPresent(uid);
  }
  CHECK(!exists(*admin, kDeployment, ns.name(), "istiod-" + r1));
  CHECK(coOwners(getOr(*admin, kServiceAccount, ns.name(), kReader)).empty());
  CHECK(eventually([&] { return crStatus(*admin, ns.name(), "cp-new") == "HEALTHY"; }));
  CHECK(eventsOf(*admin, ns.name(), "cp-new", "OwnershipConflict") == 0);

  REQUIRE(admin->remove(kIstioOperatorGVK, ns.name(), "cp-new").ok());
  REQUIRE(eventually([&] { return !getCR(*admin, ns.name(), "cp-new").is_object(); }, 30s));
  CHECK(eventually([&] { return !exists(*admin, kServiceAccount, ns.name(), kReader); }));
}

TEST_CASE(
    "a CR that stops rendering Base hands the shared ServiceAccount to the other revision, or drops out of "
    "its co-owners, without a gap",
    "[reconciler][sharing]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-narrow");
  const std::string r1 = iop::test::uniqueName("na"), r2 = iop::test::uniqueName("nb");
  RunningOperator op1(r1, ns.name());
  RunningOperator op2(r2, ns.name());
  applyCR(*admin, controlPlaneCR(ns.name(), "first", r1, "empty"));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "first") == "HEALTHY"; }, 30s));
  applyCR(*admin, controlPlaneCR(ns.name(), "second", r2, "empty"));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "second") == "HEALTHY"; }, 30s));
  const std::string uid = getOr(*admin, kServiceAccount, ns.name(), kReader)["metadata"]["uid"];

  SECTION("the owner narrows: handed over") {
    ReaderWatch watch(*admin, ns.name());
    applyCR(*admin, controlPlaneCR(ns.name(), "first", r1, "empty", false));
    CHECK(eventually([&] {
      json sa = getOr(*admin, kServiceAccount, ns.name(), kReader);
      return label(sa, kOwningResourceLabel) == "second" && coOwners(sa).empty();
    }));
    watch.requireAlwaysPresent(uid);
    // Events are recorded after the hand-over, not with it.
    CHECK(eventually([&] { return eventsOf(*admin, ns.name(), "first", "HandedOver") > 0; }));
  }
  SECTION("the co-owner narrows: it only leaves the list") {
    ReaderWatch watch(*admin, ns.name());
    applyCR(*admin, controlPlaneCR(ns.name(), "second", r2, "empty", false));
    CHECK(eventually([&] { return coOwners(getOr(*admin, kServiceAccount, ns.name(), kReader)).empty(); }));
    watch.requireAlwaysPresent(uid);
    CHECK(label(getOr(*admin, kServiceAccount, ns.name(), kReader), kOwningResourceLabel) == "first");
    // The one left wanting it goes: now it is deleted.
    applyCR(*admin, controlPlaneCR(ns.name(), "first", r1, "empty", false));
    CHECK(eventually([&] { return !exists(*admin, kServiceAccount, ns.name(), kReader); }));
  }
  CHECK(crStatus(*admin, ns.name(), "first") == "HEALTHY");
  CHECK(crStatus(*admin, ns.name(), "second") == "HEALTHY");
}
