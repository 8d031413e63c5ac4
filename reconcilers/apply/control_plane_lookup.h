#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kube/client.h"
#include "reconcilers/render/render.h"

// Gateways get their configuration from the istiod of their revision: installed without one,
// they never serve. `iop install` warns about it and the operator says so in a condition; both
// ask here.
namespace iop::reconcilers {

// Whether `objects` (one CR's rendering) install gateways (IngressGateways, EgressGateways) but no
// control plane (Pilot) of their own. Pure.
bool installsGatewaysOnly(const std::vector<RenderedObject>& objects);

// What the cluster has of a control plane of `revision` ("" and "default": the default one):
// the "namespace/name" of an istiod Deployment labelled app=istiod and istio.io/rev=R, in any
// namespace, whoever installed it; nullopt when there is none. One LIST; blocks.
kube::Result<std::optional<std::string>> findControlPlane(kube::Client& client, const std::string& revision);

// "no control plane of revision 1-8-1 is installed (no istiod Deployment labelled
// istio.io/rev=1-8-1): its gateways get no configuration until one is".
std::string noControlPlaneMessage(const std::string& revision);

}  // namespace iop::reconcilers
