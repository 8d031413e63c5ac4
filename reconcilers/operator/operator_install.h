#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reconcilers/api/field_error.h"

// What `iop operator init` installs for one revision, and what the Helm chart in helm/iop
// renders: the IstioOperator CRD, the operator and watched namespaces, the ServiceAccount,
// a least-privilege ClusterRole and its binding, a Role for the leader-election Lease, the
// Deployment `istio-operator[-R]` and its metrics Service. Pure: the CLI applies the result.
namespace iop::reconcilers {

struct OperatorInstallOptions {
  std::string revision;           // "" or "default" for the default revision
  std::string hub = "localhost";  // image is <hub>/iop:<tag>
  std::string tag;                // defaults to iop's version
  std::string operatorNamespace = "istio-operator";
  std::vector<std::string> watchedNamespaces{"istio-system"};  // empty: all namespaces
  std::string imagePullPolicy = "IfNotPresent";
  nlohmann::json resources;  // null: the defaults (requests 50m/64Mi, limit 256Mi)
  nlohmann::json nodeSelector = nlohmann::json::object();
  nlohmann::json tolerations = nlohmann::json::array();
  nlohmann::json affinity = nlohmann::json::object();
  bool leaderElection = true;
  int metricsPort = 8383;
  // /metrics is plain HTTP without authentication: bound to the pod's loopback (so only a
  // sidecar or `kubectl port-forward` reads it) unless exposed, which adds the container port
  // and a Service for a scraper.
  bool exposeMetrics = false;
  int healthPort = 8081;
  // `iop run --prune-wait` for the operator, as the user wrote it (the CLI checks it is a
  // duration); "" leaves the flag out, so iop run's default applies.
  std::string pruneWait;
  // `iop run`'s object policy flags (reconcilers/render/object_policy.h), passed through as
  // given; "" / false leaves each out, so iop run's defaults apply.
  std::string podSecurity;
  std::string allowedNamespaces;
  bool allowRbacWebhookOverlays = false;
  std::string iopVersion;  // operator.istio.io/version label and the default tag
};

// "istio-operator" or "istio-operator-<revision>".
std::string operatorName(const std::string& revision);

// The leader-election Lease of the operator of `revision`, in its namespace: "iop-<revision>-leader"
// ("iop-default-leader" for the default revision). `iop run` holds it, `iop operator remove`
// deletes it, `iop status` reads it to tell whether the operator runs.
std::string leaseName(const std::string& revision);

struct OperatorInstall {
  std::vector<nlohmann::json> objects;  // in apply order
  FieldErrors errors;                   // bad options (e.g. a revision that is no DNS label)
  bool ok() const { return errors.empty(); }
};

// Never throws; thread-safe.
OperatorInstall renderOperatorInstall(const OperatorInstallOptions& options);

// The IstioOperator CRD of crds/istiooperator.yaml, compiled in.
const nlohmann::json& istioOperatorCRD();

}  // namespace iop::reconcilers
