#pragma once

// The label and annotation keys of iop's ownership vocabulary, the same keys Istio's own operator
// used, so a cluster that operator managed can be adopted. Every layer that writes or reads them
// takes them from here (the renderer puts them on objects, the applier selects and prunes by
// them, the reconciler reads the CR's annotations); tests spell them out on purpose, as the
// wire format they check.
namespace iop::reconcilers {

inline constexpr const char* kManagedLabel = "operator.istio.io/managed";
inline constexpr const char* kManagedValue = "Reconcile";
inline constexpr const char* kOwningResourceLabel = "install.operator.istio.io/owning-resource";
inline constexpr const char* kOwningNamespaceLabel = "install.operator.istio.io/owning-resource-namespace";
inline constexpr const char* kComponentLabel = "operator.istio.io/component";
// iop's own version, for `iop version --remote` and for humans.
inline constexpr const char* kVersionLabel = "operator.istio.io/version";
// The revision an object belongs to ("default" for a revision-less installation).
inline constexpr const char* kRevisionLabel = "istio.io/rev";
inline constexpr const char* kDefaultRevision = "default";
// The revision tag an object belongs to (a tag's injector webhook and Service, the default
// validator of the tag `default`); a namespace selects a tag with istio.io/rev=<tag>.
inline constexpr const char* kTagLabel = "istio.io/tag";

// Hash of the rendered object as iop last applied it: an object whose live copy carries the
// hash of the current desired state is not sent again. iop's own key, outside Istio's istio.io
// domain: `istioctl analyze` flags every annotation in that domain that Istio does not define
// (IST0108 on each Service iop installed, when this was operator.istio.io/desired-hash). Objects
// still carrying that old key are re-applied once, and server-side apply drops it.
inline constexpr const char* kDesiredHashAnnotation = "iop/desired-hash";
// On an IstioOperator: "true" pauses reconciling it (deletion still proceeds).
inline constexpr const char* kIgnoreReconcileAnnotation = "install.istio.io/ignoreReconcile";
// On an IstioOperator: "true" lets its deletion proceed while namespaces still select its revision
// or pods still run its sidecar.
inline constexpr const char* kForceDeleteAnnotation = "install.istio.io/force-delete";
// On an IstioOperator: "true" lets it take over live objects that no IstioOperator installed
// (no operator.istio.io/managed=Reconcile label): without it they are left alone and reported
// as OwnershipConflict. `iop install --force` does the same for the CLI.
// istioctl install labels the default revision tag it creates (its webhooks and Service carry the
// control plane's owner labels) with this, "true", so that prune leaves them; uninstall removes
// them. iop keeps the same rule, so a mesh istioctl installed keeps its default tag under iop.
inline constexpr const char* kNotPrunedLabel = "install.operator.istio.io/owning-resource-not-pruned";
inline constexpr const char* kAdoptAnnotation = "install.operator.istio.io/adopt";
inline constexpr const char* kFinalizer = "istio-finalizer.install.istio.io";
// Base's revision-less objects shared by installations of several revisions: the owners other
// than the labelled one (see reconcilers/apply/ownership.h).
inline constexpr const char* kCoOwnersAnnotation = "install.operator.istio.io/co-owners";

}  // namespace iop::reconcilers
