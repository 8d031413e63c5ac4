#pragma once

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

// Who still selects a revision. Today: namespaces labelled istio.io/rev=R, and for the default
// revision also istio-injection=enabled (Istio injects those from the default revision). When
// iop makes revision tags, the tags pointing at R belong here too.
struct RevisionUsers {
  std::string revision;                 // "default" for the default revision
  std::vector<std::string> namespaces;  // sorted
  bool empty() const { return namespaces.empty(); }
  // "namespaces still select revision 1-8-0 (label istio.io/rev=1-8-0): app, shop; relabel
  // them first (kubectl label namespace app istio.io/rev=NEW --overwrite)". "" when empty.
  std::string describe() const;
};

// Lists the namespaces that select `revision` ("" and "default" mean the default revision).
// Blocks on the API server (one or two LISTs). Errors as the client returns them (a caller
// without permission to list namespaces decides whether to go on anyway).
kube::Result<RevisionUsers> revisionUsers(kube::Client& client, const std::string& revision);

// The revisions whose control plane is among `objects` (live copies): an istiod Deployment,
// i.e. a Deployment of component Pilot, by its istio.io/rev label. Pure.
std::set<std::string> controlPlaneRevisions(const std::vector<nlohmann::json>& objects);

}  // namespace iop::reconcilers
