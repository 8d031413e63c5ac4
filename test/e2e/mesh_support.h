#pragma once

// What Istio itself makes of what iop installed: istiod of a revision run as its pod would run it
// (test/support/istiod_process.h), and the sidecars it injects into the pods kubectl creates,
// through the real API server's admission webhooks.
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test/support/istiod_process.h"

namespace iop::test::e2e {

using json = nlohmann::json;

// Starts istiod for `revision` from its Deployment in istio-system and waits until it is ready;
// fails the test with istiod's log otherwise.
std::unique_ptr<IstiodProcess> startIstiod(const std::string& revision);

// What the injector put into a pod, read from its spec as the API server stored it.
struct Sidecar {
  bool injected = false;          // an istio-proxy container is there
  std::string image;              // of istio-proxy
  std::string discoveryAddress;   // from its PROXY_CONFIG (the mesh's defaultConfig)
  std::vector<std::string> args;  // of istio-proxy: "proxy sidecar ..." or "proxy router ..."
  std::string describe() const;
};
Sidecar sidecarOf(const json& pod);

// The discovery address a sidecar of `revision` must have: Service istiod-R in istio-system.
std::string discoveryAddressOf(const std::string& revision);
// The proxy image of `revision`: proxyv2 from the hub and tag of its istiod's image (the CR's
// hub/tag, or its profile's).
std::string proxyImageOf(const std::string& revision);

// `kubectl create namespace ns` and, unless revision is empty, `kubectl label namespace ns
// istio.io/rev=R`.
void createNamespace(const std::string& ns, const std::string& revision);
// `kubectl -n ns create deployment name --image=nginx`; then waits for its pod (see newestPod).
json createDeployment(const std::string& ns, const std::string& name);
// The newest pod of Deployment ns/name (label app=name) that is not being deleted and is not
// named `replacing` (the pod a restart replaces); waits up to 60 s and fails the test with the
// ReplicaSets' events (a refused admission shows there) otherwise.
json newestPod(const std::string& ns, const std::string& name, const std::string& replacing = "");
// `kubectl rollout restart deployment -n ns name` and `kubectl rollout status`; returns the pod
// that replaced the newest one.
json restartDeployment(const std::string& ns, const std::string& name);

// Runs `istioctl analyze -A` against the current cluster (istioctl built from the pinned
// istio.io/istio module, test/fidelity/build-istioctl.sh), prints each message, and fails the test
// for any of level Error and any "Unknown annotation" (IST0108): Istio's own objects carry only
// annotations Istio defines, so one it does not know was put there by iop.
void checkIstioctlAnalyze();

}  // namespace iop::test::e2e
