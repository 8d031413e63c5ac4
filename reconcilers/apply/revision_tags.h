#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kube/client.h"
#include "reconcilers/apply/ownership.h"
#include "reconcilers/render/istio_manifests.h"

// Revision tags: stable names (`istio.io/rev=prod-stable` on a namespace) that point at one
// control-plane revision and can be moved to another without relabelling anything. A tag is
// the objects Istio's charts render for `values.revisionTags: [T]` (a MutatingWebhookConfiguration
// istio-revision-tag-T and a Service istiod-revision-tag-T), plus, for the tag `default`, the
// `default` chart's ValidatingWebhookConfiguration istiod-default-validator. `iop tag` computes
// them as the pinned istioctl's `tag generate` does (istioctl/pkg/tag/generate.go), from the
// revision's own injector webhook in the cluster, through the one renderer.
namespace iop::reconcilers {

struct TagRequest {
  std::string tag;
  std::string revision;
  std::string istioNamespace = "istio-system";
  std::string webhookName;  // --webhook-name: the tag webhook's name instead of istio-revision-tag-T
  bool overwrite = false;   // move an existing tag, skip the name-collides-with-a-revision check
  bool generate = false;    // only printing: istioctl then skips the revision-name check too
  bool autoInjectNamespaces = false;
  // Charts to render (--manifests); null: the compiled-in ones.
  std::shared_ptr<const IstioManifests> manifests;
  std::string iopVersion;  // for the operator.istio.io/version label
};

// The owner of the objects `iop tag set` writes: no IstioOperator has this name, so an operator
// whose CR lists the tag in values.revisionTags takes them over, and `iop uninstall --revision
// R` removes them with R (they carry istio.io/rev=R).
Owner tagSetOwner(const std::string& tag, const std::string& istioNamespace);

struct GeneratedTag {
  // In istioctl's order: the tag's MutatingWebhookConfiguration, for `default` the
  // ValidatingWebhookConfiguration, the Service. Each with iop's ownership labels (`owner`,
  // component Pilot) where istioctl's user-managed ones have none.
  std::vector<nlohmann::json> objects;
  std::string error;  // istioctl's refusal or what failed; objects are empty then
};

// What `istioctl tag generate|set` computes for `request`: refuses a tag named like an existing
// revision (unless generate, overwrite or `default`), a revision with no injector webhook, and an
// existing tag without overwrite. Blocks on a few LISTs and GETs; writes nothing.
GeneratedTag generateTag(kube::Client& client, const TagRequest& request, const Owner& owner);

// What `istioctl tag set default` does besides writing the tag: the revision-less injector
// (MutatingWebhookConfiguration istio.io/rev=default without istio.io/tag) gets selectors that
// never match, so istio-injection=enabled namespaces are left to the default tag. Nothing to do
// when there is none. Blocks.
kube::Result<void> deactivateRevisionlessInjector(kube::Client& client);

// One row of `tag list`.
struct TagDescription {
  std::string tag;  // "" for a revision that has no tag (istioctl lists those too)
  std::string revision;
  std::vector<std::string> namespaces;  // labelled istio.io/rev=<tag>
};

// istioctl's listTags: tags of the injector webhooks (cluster-wide) and of the Services in
// `istioNamespace`, sorted by revision then tag. Blocks.
kube::Result<std::vector<TagDescription>> listTags(kube::Client& client, const std::string& istioNamespace);

// The live objects of tag `tag`: its mutating and validating webhooks (cluster-wide) and its
// Services in `istioNamespace`, by the istio.io/tag label. Blocks.
kube::Result<std::vector<nlohmann::json>> tagObjects(kube::Client& client, const std::string& tag,
                                                     const std::string& istioNamespace);

// The tags pointing at `revision` ("default" for the revision-less one): the istio.io/tag values
// of injector webhooks labelled istio.io/rev=`revision`. Sorted. Blocks.
kube::Result<std::vector<std::string>> tagsOf(kube::Client& client, const std::string& revision);

// The IstioOperator in `live`'s namespace of ownership (the CRs an operator watches) that
// declares the shared tag object `live` and is not `leaving`: spec.values.revisionTags naming its
// tag, or, for Base's default validator, a spec.values.defaultRevision. The Claimant the operator
// gives its applier (applier.h). Blocks on one LIST; nullopt when none or when it fails (the
// object is then deleted, as before tags, and recreated by its new owner).
std::optional<Installation> tagClaimant(kube::Client& client, const nlohmann::json& live,
                                        const Leaving& leaving);

}  // namespace iop::reconcilers
