// Base's revision-less objects are shared by installations of different revisions: who writes
// them, and what becomes of them when an installation goes.
#include <catch2/catch.hpp>

#include "reconcilers/apply/applier.h"
#include "reconcilers/apply/ownership.h"
#include "test/unit/reconcilers/render/render_fixture.h"

using namespace iop::reconcilers;
using namespace iop::reconcilers::testing;
using json = nlohmann::json;

namespace {

json object(const std::string& kind, const std::string& owner, const std::string& revision,
            const std::string& component, const std::string& coOwners = "") {
  json o = {{"apiVersion", "v1"},
            {"kind", kind},
            {"metadata",
             {{"name", "istio-reader-service-account"},
              {"namespace", "istio-system"},
              {"labels",
               {{kOwningResourceLabel, owner},
                {kOwningNamespaceLabel, "istio-system"},
                {kRevisionLabel, revision},
                {kComponentLabel, component}}}}}};
  if (!coOwners.empty()) o["metadata"]["annotations"] = {{kCoOwnersAnnotation, coOwners}};
  return o;
}

const Installation kCp180{{"cp-1-8-0", "istio-system"}, "1-8-0"};
const Installation kCp181{{"cp-1-8-1", "istio-system"}, "1-8-1"};

}  // namespace

TEST_CASE(
    "the revision-less Base objects, a tag's objects and the default validator are shared, everything else "
    "is "
    "not",
    "[ownership][tag]") {
  auto rendered = renderYaml(
      "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: cp\nspec:\n  "
      "revision: 1-8-0\n  values:\n    defaultRevision: 1-8-0\n    revisionTags: [prod]\n");
  std::set<std::string> shared, notShared;
  for (const auto& o : rendered.objects)
    (isSharedAcrossRevisions(o.object) ? shared : notShared).insert(describeObject(o.object));
  CHECK(shared.count("ServiceAccount istio-system/istio-reader-service-account") == 1);
  CHECK(shared.count("CustomResourceDefinition virtualservices.networking.istio.io") == 1);
  // One name whichever revision they point at: a tag (or the default revision) moved from one
  // revision's CR to another's changes hands in place instead of conflicting.
  CHECK(shared.count("ValidatingWebhookConfiguration istiod-default-validator") == 1);
  CHECK(shared.count("MutatingWebhookConfiguration istio-revision-tag-prod") == 1);
  CHECK(shared.count("Service istio-system/istiod-revision-tag-prod") == 1);
  CHECK(notShared.count("ServiceAccount istio-system/istiod-1-8-0") == 1);
  CHECK(notShared.count("MutatingWebhookConfiguration istio-sidecar-injector-1-8-0") == 1);
  CHECK(notShared.count("Service istio-system/istiod-1-8-0") == 1);
  for (const auto& s : shared)
    CHECK((s.starts_with("CustomResourceDefinition ") || s.starts_with("ServiceAccount ") ||
           s.find("revision-tag-prod") != std::string::npos || s.ends_with(" istiod-default-validator")));
}

TEST_CASE("an installation reads back from the co-owner annotation as it was written", "[ownership]") {
  CHECK(Installation::parse("istio-system/cp@1-8-1") == Installation{{"cp", "istio-system"}, "1-8-1"});
  CHECK_FALSE(Installation::parse("cp@1-8-1"));
  CHECK_FALSE(Installation::parse("istio-system/cp"));
  CHECK_FALSE(Installation::parse("istio-system/@1-8-1"));
  json o = object("ServiceAccount", "cp-1-8-0", "1-8-0", "Base", "istio-system/cp-1-8-1@1-8-1,junk");
  CHECK(coOwnersOf(o) == std::vector<Installation>{kCp181});
  CHECK(coOwnersValue({kCp180, kCp181}) == "istio-system/cp-1-8-0@1-8-0,istio-system/cp-1-8-1@1-8-1");
}

TEST_CASE("a second revision shares a Base object, a second CR of the same revision conflicts",
          "[ownership]") {
  const json live = object("ServiceAccount", "cp-1-8-0", "1-8-0", "Base");
  auto exists = [](const Owner&) { return true; };
  auto gone = [](const Owner&) { return false; };
  CHECK(holdingOf(live, object("ServiceAccount", "cp-1-8-1", "1-8-1", "Base"), kCp181.owner, false, exists) ==
        Holding::Share);
  CHECK(holdingOf(live, object("ServiceAccount", "other", "1-8-0", "Base"), {"other", "istio-system"}, false,
                  exists) == Holding::Conflict);
  // A gateway of the same name at another revision is a revisioned object: still a conflict.
  CHECK(holdingOf(object("ServiceAccount", "cp-1-8-0", "1-8-0", "IngressGateways"),
                  object("ServiceAccount", "gw", "1-8-1", "IngressGateways"), {"gw", "istio-system"}, false,
                  exists) == Holding::Conflict);
  // Its owner is gone: taken over.
  CHECK(holdingOf(live, object("ServiceAccount", "cp-1-8-1", "1-8-1", "Base"), kCp181.owner, false, gone) ==
        Holding::Write);
  // One CR moved to another revision takes its objects along; one file installed at two
  // revisions (iop install) is two installations that share.
  const json moved = object("ServiceAccount", "cp-1-8-0", "1-8-1", "Base");
  CHECK(holdingOf(live, moved, kCp180.owner, false, exists) == Holding::Write);
  CHECK(holdingOf(live, moved, kCp180.owner, true, gone) == Holding::Share);
}

TEST_CASE(
    "when its owner goes, a shared object goes to a remaining co-owner, and only the last one deletes it",
    "[ownership]") {
  const std::string both = "istio-system/cp-1-8-1@1-8-1,istio-system/cp-1-8-2@1-8-2";
  json sa = object("ServiceAccount", "cp-1-8-0", "1-8-0", "Base", both);

  Release r = planRelease(sa, leavingOwner(kCp180.owner));
  CHECK(r.kind == Release::Kind::HandOver);
  CHECK(r.to == kCp181);
  CHECK(r.after == std::vector<Installation>{{{"cp-1-8-2", "istio-system"}, "1-8-2"}});

  r = planRelease(sa, leavingRevision(""));
  CHECK(r.kind == Release::Kind::Delete);

  r = planRelease(sa, leavingRevision("1-8-1"));
  CHECK(r.kind == Release::Kind::Withdraw);
  CHECK(r.after == std::vector<Installation>{{{"cp-1-8-2", "istio-system"}, "1-8-2"}});

  CHECK(planRelease(sa, leavingOwner({"unrelated", "istio-system"})).kind == Release::Kind::Keep);
  CHECK(planRelease(object("ServiceAccount", "cp-1-8-0", "1-8-0", "Base"), leavingOwner(kCp180.owner)).kind ==
        Release::Kind::Delete);
  // Only the installation at that revision leaves (iop install prunes one revision of a file).
  CHECK(planRelease(object("ServiceAccount", "cp", "1-8-0", "Base", "istio-system/cp@1-8-1"),
                    leavingOwner({"cp", "istio-system"}, "1-8-0"))
            .to == Installation{{"cp", "istio-system"}, "1-8-1"});

  // CRDs are never deleted, but are handed over like the rest.
  json crd = object("CustomResourceDefinition", "cp-1-8-0", "1-8-0", "Base");
  CHECK(planRelease(crd, leavingOwner(kCp180.owner)).kind == Release::Kind::Keep);
  crd["metadata"]["annotations"] = {{kCoOwnersAnnotation, "istio-system/cp-1-8-1@1-8-1"}};
  CHECK(planRelease(crd, leavingOwner(kCp180.owner)).kind == Release::Kind::HandOver);
}
