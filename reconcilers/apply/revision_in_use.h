#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "kube/client.h"

// The safety rule the operator and the CLI share: a revision's control plane does not go while
// workloads still select it. Deleting a control-plane IstioOperator (the reconciler), `iop
// uninstall` and `iop operator remove --revision R` all ask here, so they refuse the same
// things with the same words, and each adds only how to override it (an annotation, --force).
namespace iop::reconcilers {

// Who still uses a revision: namespaces labelled istio.io/rev=R (for the default revision also
// istio-injection=enabled, which Istio injects from it); the revision tags pointing at R and the
// namespaces selecting each (a namespace labelled istio.io/rev=<tag>; for the tag `default`
// also istio-injection=enabled ones); and the running pods whose sidecar R injected.
struct RevisionUsers {
  std::string revision;                 // "default" for the default revision
  std::vector<std::string> namespaces;  // sorted
  // Every tag pointing at the revision, with the namespaces selecting it (sorted; may be empty).
  std::map<std::string, std::vector<std::string>> tags;
  // Running pods annotated istio.io/rev=R by R's injector; -1 when they could not be counted
  // (no permission to list pods: then they block nothing, and callers say they did not look).
  // They block like namespaces: their sidecars would lose their istiod (no new certificates,
  // no configuration) until restarted onto another revision.
  int pods = 0;
  std::map<std::string, int> podsByNamespace;  // the same pods, counted per namespace

  // Whether nothing blocks taking the revision away: no namespace selects it, directly or
  // through a tag pointing at it, and no running pod has its sidecar.
  bool empty() const;
  // Whether anything references it at all (InUse): namespaces, tags or pods.
  bool referenced() const;
  // The refusal, "" when empty(): "namespaces still select revision 1-8-0 (label
  // istio.io/rev=1-8-0): app, shop; move them to another revision first (kubectl label namespace
  // app istio.io/rev=NEW --overwrite)", and for each tag in use "revision tag prod points at
  // revision 1-8-0 and namespaces select it: app; move the tag first (iop tag set prod
  // --revision NEW --overwrite)", and for pods "2 running pods still have revision 1-8-0's
  // sidecar (demo-app: 2); restart their workloads first, once their namespaces select another
  // revision (kubectl rollout restart deployment -n demo-app)", joined by "; ".
  std::string describe() const;
  // For the InUse condition: "namespaces demo-app; tag prod (namespaces app1); 3 pods with its
  // sidecar", or "no namespace, tag or pod uses revision R".
  std::string summary() const;
};

// Lists what uses `revision` ("" and "default" mean the default revision): namespaces, tags
// (from the tags' injector webhooks) and pods. Blocks on the API server (a few LISTs; the pods
// of the mesh cluster-wide). Errors as the client returns them, but for pods, whose listing may
// be forbidden (then pods is -1); a caller without permission to list namespaces decides
// whether to go on anyway.
kube::Result<RevisionUsers> revisionUsers(kube::Client& client, const std::string& revision);

// The revisions whose control plane is among `objects` (live copies): an istiod Deployment,
// i.e. a Deployment of component Pilot, by its istio.io/rev label. Pure.
std::set<std::string> controlPlaneRevisions(const std::vector<nlohmann::json>& objects);

}  // namespace iop::reconcilers
