#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kube/resource.h"

// The ownership vocabulary every entry point (operator, `iop install`, `iop uninstall`) shares:
// the labels the renderer puts on each object, the annotations iop reads and writes, and the
// kinds iop writes, in the order it applies them.
namespace iop::reconcilers {

inline constexpr const char* kManagedLabel = "operator.istio.io/managed";
inline constexpr const char* kManagedValue = "Reconcile";
inline constexpr const char* kOwningResourceLabel = "install.operator.istio.io/owning-resource";
inline constexpr const char* kOwningNamespaceLabel = "install.operator.istio.io/owning-resource-namespace";
inline constexpr const char* kComponentLabel = "operator.istio.io/component";
inline constexpr const char* kRevisionLabel = "istio.io/rev";

// Hash of the rendered object as iop last applied it: an object whose live copy carries the
// hash of the current desired state is not sent again.
inline constexpr const char* kDesiredHashAnnotation = "operator.istio.io/desired-hash";
// On an IstioOperator: "true" pauses reconciling it (deletion still proceeds).
inline constexpr const char* kIgnoreReconcileAnnotation = "install.istio.io/ignoreReconcile";
// On an IstioOperator: "true" lets its deletion proceed while namespaces still select its revision.
inline constexpr const char* kForceDeleteAnnotation = "install.istio.io/force-delete";
inline constexpr const char* kFinalizer = "istio-finalizer.install.istio.io";
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
