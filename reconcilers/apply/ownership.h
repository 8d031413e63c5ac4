#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kube/resource.h"
#include "reconcilers/api/labels.h"

// The ownership vocabulary every entry point (operator, `iop install`, `iop uninstall`) shares:
// the labels the renderer puts on each object, the annotations iop reads and writes, and the
// kinds iop writes, in the order it applies them.
namespace iop::reconcilers {

// The field manager of every write iop makes to objects it renders.
inline constexpr const char* kFieldManager = "iop";
// Co-owns a Deployment's spec.replicas when iop stops setting them (an HPA was enabled), so the
// count stays where it was instead of dropping to the default.
inline constexpr const char* kReplicasHandoffManager = "iop-replicas-handoff";

inline const kube::GroupVersionKind kIstioOperatorGVK{"install.istio.io", "v1alpha1", "IstioOperator"};

// The IstioOperator that owns objects: the values of the two owning-resource labels.
struct Owner {
  std::string name;
  std::string ns;
  bool operator==(const Owner&) const = default;
  std::string describe() const { return ns + "/" + name; }
  // "owning-resource=NAME,owning-resource-namespace=NS" (with the label keys).
  std::string labelSelector() const;
};

// The owner an object's labels name; empty name when the labels do not name one (absent, or
// the renderer's "unknown" placeholder).
Owner ownerOf(const nlohmann::json& object);

// One installation: an owner at one revision. The operator has one per CR; `iop install` of one
// file at two revisions makes two under one owner name.
struct Installation {
  Owner owner;
  std::string revision;  // as the istio.io/rev label says it: "default" for none
  bool operator==(const Installation&) const = default;
  // "ns/name@revision", the form kept in kCoOwnersAnnotation.
  std::string describe() const;
  // The inverse of describe(); nullopt for anything else.
  static std::optional<Installation> parse(const std::string& text);
};

// The installation an object's labels name (owner labels and istio.io/rev).
Installation installationOf(const nlohmann::json& object);

// Sharing across revisions. Base renders a few objects that carry no revision of their own and
// have the same name for every revision: Istio's CRDs and the reader ServiceAccount. Every
// control plane installs them, so installations of different revisions share them instead of
// conflicting. The objects of a revision tag (values.revisionTags: the tag's injector webhook and
// Service) and of the default revision (values.defaultRevision: Base's istiod-default-validator)
// have one name too, whichever revision they point at, and are shared the same way, so a tag
// moved from one revision's CR to another's changes hands in place: the labels name one owner (the first to
// create it, who writes it), the others list themselves in kCoOwnersAnnotation, and when the labelled owner
// stops wanting the object it is handed to a co-owner rather than deleted. Two installations of the same
// revision never share: that is still a conflict. The annotation's key is kCoOwnersAnnotation
// (reconcilers/api/labels.h).

// Whether `object` (rendered or live) is one of those: Base's objects (its only revisioned one
// is the default-revision webhook), and objects labelled istio.io/tag.
bool isSharedAcrossRevisions(const nlohmann::json& object);
// Whether objects of `kind` can be shared at all.
bool kindMayBeShared(const std::string& kind);
// Same, for an object of `kind` whose own kind field may be missing (list items).
bool isSharedAcrossRevisions(const std::string& kind, const nlohmann::json& object);

// The co-owners an object lists, in the order they joined; malformed entries are dropped.
std::vector<Installation> coOwnersOf(const nlohmann::json& object);
// The annotation value for `coOwners`; "" for none.
std::string coOwnersValue(const std::vector<Installation>& coOwners);

// Which installations stop wanting the objects given to a removal (uninstalled, pruned).
using Leaving = std::function<bool(const Installation&)>;
// Every installation of that owner (an IstioOperator is deleted or pruned), or only the one at
// `revision` when it is not empty (`iop install` prunes one revision of its owner).
Leaving leavingOwner(const Owner& owner, const std::string& revision = "");
// Every installation of that revision, or every one when `revision` is empty (`iop uninstall`).
Leaving leavingRevision(const std::string& revision);

// What becomes of a live object when the installations `leaving` says stop wanting it.
struct Release {
  enum class Kind {
    Delete,    // no one else wants it
    HandOver,  // relabel it for `to`, which leaves the co-owner list
    Withdraw,  // its owner stays; only co-owners leave the list
    Keep,      // nothing to do: a CRD (never deleted) no one else wants, or no leaver involved
  };
  Kind kind = Kind::Keep;
  Installation to;                  // for HandOver
  std::vector<Installation> after;  // the co-owner list afterwards (HandOver, Withdraw)
};
// Pure: decides from the object's labels and co-owner list only.
Release planRelease(const nlohmann::json& live, const Leaving& leaving);

// Whether the IstioOperator `owner` still exists. Errors other than NotFound count as "exists",
// so an object is never taken from a CR iop could not check.
using OwnerExists = std::function<bool(const Owner&)>;

// Who may write a rendered object whose live copy exists, by the applier's rules (the manifest
// diff asks the same): Write when `owner` owns it or its owner is gone; Share when it is a
// revision-less object (isSharedAcrossRevisions) another revision's live installation owns;
// Conflict when another existing IstioOperator owns it otherwise; Foreign when no
// IstioOperator installed it (no operator.istio.io/managed=Reconcile label, no owner labels:
// a user's or another tool's object), unless `adopt`. Objects istioctl installed carry the
// managed label and their CR's owner labels (istio's operator/pkg/install getOwnerLabels), so a
// mesh istioctl installed is taken over like one of a CR that is gone. `perRevision` as for
// Applier::apply(). Calls `ownerExists` at most once.
enum class Holding { Write, Share, Conflict, Foreign };
Holding holdingOf(const nlohmann::json& live, const nlohmann::json& desired, const Owner& owner,
                  bool perRevision, const OwnerExists& ownerExists, bool adopt = false);

struct OwnedKind {
  kube::GroupVersionKind gvk;
  bool namespaced = true;
  bool prunable = true;  // false for CRDs: never deleted by prune or uninstall
  // Narrows what iop counts as its own beyond the ownership labels (informers, prune and
  // uninstall all add it), for kinds where another controller copies those labels: "" = none.
  const char* selector = "";
};

// Every kind the renderer produces, in apply order (uninstall walks it backwards), so every
// rendered object has a live copy to compare its desired hash with.
const std::vector<OwnedKind>& ownedKinds();
// The entry for a kind; null when iop does not write that kind.
const OwnedKind* ownedKind(const std::string& kind);

// `labelSelector` narrowed by kind.selector: what to list to find iop's objects of that kind.
std::string selectorFor(const std::string& labelSelector, const OwnedKind& kind);

// "Deployment ns/name" or "ClusterRole name", for messages.
std::string describeObject(const nlohmann::json& object);

}  // namespace iop::reconcilers
