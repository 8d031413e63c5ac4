#include "reconcilers/operator/operator_install.h"

#include "base/yaml_json.h"
#include "reconcilers/api/embedded_files.h"
#include "reconcilers/api/istio_operator.h"
#include "reconcilers/api/labels.h"

namespace iop::reconcilers {
namespace {

using json = nlohmann::json;

bool isDefaultRevision(const std::string& r) {
  return r.empty() || r == "default";
}

std::string joinComma(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

// The verbs of an object iop creates, keeps in shape and prunes.
const json kManage = {"get", "list", "watch", "create", "update", "patch", "delete"};

// Least privilege for what the reconciler writes (reconcilers/ownership.cpp lists the kinds):
// no `*` anywhere, no Secrets, and no delete of CRDs or namespaces (prune never deletes
// those). `escalate` and `bind` are needed because istiod's ClusterRoles grant permissions the
// operator itself does not hold, which RBAC otherwise refuses to let it create.
json clusterRoleRules() {
  return json::array({
      {{"apiGroups", {"install.istio.io"}},
       {"resources", {"istiooperators"}},
       {"verbs", {"get", "list", "watch", "update", "patch"}}},
      {{"apiGroups", {"install.istio.io"}},
       {"resources", {"istiooperators/status", "istiooperators/finalizers"}},
       {"verbs", {"get", "update", "patch"}}},
      {{"apiGroups", {"apiextensions.k8s.io"}},
       {"resources", {"customresourcedefinitions"}},
       {"verbs", {"get", "list", "watch", "create", "update", "patch"}}},
      {{"apiGroups", {""}},
       {"resources", {"namespaces"}},
       {"verbs", {"get", "list", "watch", "create", "patch"}}},
      {{"apiGroups", {""}},
       {"resources", {"configmaps", "resourcequotas", "serviceaccounts", "services"}},
       {"verbs", kManage}},
      {{"apiGroups", {"discovery.k8s.io"}}, {"resources", {"endpointslices"}}, {"verbs", kManage}},
      {{"apiGroups", {""}}, {"resources", {"events"}}, {"verbs", {"create", "patch"}}},
      // Read only: the InUse condition counts the running pods whose sidecar a revision injected.
      {{"apiGroups", {""}}, {"resources", {"pods"}}, {"verbs", {"get", "list"}}},
      {{"apiGroups", {"events.k8s.io"}}, {"resources", {"events"}}, {"verbs", {"create", "patch"}}},
      {{"apiGroups", {"apps"}}, {"resources", {"deployments", "daemonsets"}}, {"verbs", kManage}},
      {{"apiGroups", {"autoscaling"}}, {"resources", {"horizontalpodautoscalers"}}, {"verbs", kManage}},
      {{"apiGroups", {"policy"}}, {"resources", {"poddisruptionbudgets"}}, {"verbs", kManage}},
      {{"apiGroups", {"networking.k8s.io"}}, {"resources", {"networkpolicies"}}, {"verbs", kManage}},
      // istio-cni's chart renders one for Multus (cni.provider: multus, the openshift profiles).
      {{"apiGroups", {"k8s.cni.cncf.io"}},
       {"resources", {"network-attachment-definitions"}},
       {"verbs", kManage}},
      {{"apiGroups", {"admissionregistration.k8s.io"}},
       {"resources",
        {"mutatingwebhookconfigurations", "validatingwebhookconfigurations", "validatingadmissionpolicies",
         "validatingadmissionpolicybindings"}},
       {"verbs", kManage}},
      {{"apiGroups", {"rbac.authorization.k8s.io"}},
       {"resources", {"clusterroles", "clusterrolebindings", "roles", "rolebindings"}},
       {"verbs", {"get", "list", "watch", "create", "update", "patch", "delete", "escalate", "bind"}}},
  });
}

}  // namespace

std::string operatorName(const std::string& revision) {
  return isDefaultRevision(revision) ? "istio-operator" : "istio-operator-" + revision;
}

std::string leaseName(const std::string& revision) {
  return "iop-" + (isDefaultRevision(revision) ? std::string("default") : revision) + "-leader";
}

const json& istioOperatorCRD() {
  static const json crd =
      iop::base::yamlDocumentsToJson(std::string(embeddedFile("crds/istiooperator.yaml"))).at(0);
  return crd;
}

OperatorInstall renderOperatorInstall(const OperatorInstallOptions& o) {
  OperatorInstall out;
  if (!isDefaultRevision(o.revision) && !isDns1123Label(o.revision))
    out.errors.push_back(
        {"--revision", "\"" + o.revision +
                           "\" is not a DNS-1123 label (lower case letters, digits and '-', "
                           "at most 63): dots are not allowed in the names derived from it"});
  if (!isDns1123Label(o.operatorNamespace))
    out.errors.push_back(
        {"--operatorNamespace", "\"" + o.operatorNamespace + "\" is not a valid namespace name"});
  for (size_t i = 0; i < o.watchedNamespaces.size(); ++i)
    if (!isDns1123Label(o.watchedNamespaces[i]))
      out.errors.push_back({"--watchedNamespaces[" + std::to_string(i) + "]",
                            "\"" + o.watchedNamespaces[i] + "\" is not a valid namespace name"});
  if (!out.ok()) return out;

  const std::string name = operatorName(o.revision);
  const std::string rev = isDefaultRevision(o.revision) ? "default" : o.revision;
  const std::string& ns = o.operatorNamespace;
  const std::string tag = o.tag.empty() ? o.iopVersion : o.tag;
  // The selector is unique per revision so two operators' Deployments never adopt each
  // other's pods; the pod opts out of sidecar injection (it runs beside the mesh, not in it).
  const json selector = {{"app", "istio-operator"}, {"operator.istio.io/revision", rev}};
  json labels = selector;
  labels["app.kubernetes.io/name"] = "iop";
  labels["app.kubernetes.io/managed-by"] = "iop";
  labels[kVersionLabel] = o.iopVersion;
  auto meta = [&](const std::string& n, bool namespaced) {
    json m = {{"name", n}, {"labels", labels}};
    if (namespaced) m["namespace"] = ns;
    return m;
  };

  out.objects.push_back(istioOperatorCRD());
  out.objects.push_back({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
  for (const auto& w : o.watchedNamespaces)
    if (w != ns)
      out.objects.push_back({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", w}}}});
  out.objects.push_back({{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", meta(name, true)}});
  out.objects.push_back({{"apiVersion", "rbac.authorization.k8s.io/v1"},
                         {"kind", "ClusterRole"},
                         {"metadata", meta(name, false)},
                         {"rules", clusterRoleRules()}});
  out.objects.push_back(
      {{"apiVersion", "rbac.authorization.k8s.io/v1"},
       {"kind", "ClusterRoleBinding"},
       {"metadata", meta(name, false)},
       {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", name}}},
       {"subjects", {{{"kind", "ServiceAccount"}, {"name", name}, {"namespace", ns}}}}});
  out.objects.push_back(
      {{"apiVersion", "rbac.authorization.k8s.io/v1"},
       {"kind", "Role"},
       {"metadata", meta(name, true)},
       {"rules", {{{"apiGroups", {"coordination.k8s.io"}}, {"resources", {"leases"}}, {"verbs", kManage}}}}});
  out.objects.push_back(
      {{"apiVersion", "rbac.authorization.k8s.io/v1"},
       {"kind", "RoleBinding"},
       {"metadata", meta(name, true)},
       {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", name}}},
       {"subjects", {{{"kind", "ServiceAccount"}, {"name", name}, {"namespace", ns}}}}});

  json resources = o.resources.is_null() ? json{{"requests", {{"cpu", "50m"}, {"memory", "64Mi"}}},
                                                {"limits", {{"memory", "256Mi"}}}}
                                         : o.resources;
  json env = json::array({
      {{"name", "REVISION"}, {"value", isDefaultRevision(o.revision) ? "" : o.revision}},
      {{"name", "WATCH_NAMESPACE"}, {"value", joinComma(o.watchedNamespaces)}},
      {{"name", "LEADER_ELECTION_NAMESPACE"}, {"value", ns}},
      {{"name", "LEADER_ELECT"}, {"value", o.leaderElection ? "true" : "false"}},
      {{"name", "POD_NAME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}},
  });
  auto probe = [&](const std::string& path) {
    return json{
        {"httpGet", {{"path", path}, {"port", "health"}}}, {"periodSeconds", 10}, {"timeoutSeconds", 2}};
  };
  json args = {"run",
               "--metrics-bind-address=" + std::string(o.exposeMetrics ? ":" : "127.0.0.1:") +
                   std::to_string(o.metricsPort),
               "--health-probe-bind-address=:" + std::to_string(o.healthPort)};
  if (!o.pruneWait.empty()) args.push_back("--prune-wait=" + o.pruneWait);
  if (!o.podSecurity.empty()) args.push_back("--pod-security=" + o.podSecurity);
  if (!o.allowedNamespaces.empty()) args.push_back("--allowed-namespaces=" + o.allowedNamespaces);
  if (o.allowRbacWebhookOverlays) args.push_back("--allow-rbac-webhook-overlays");
  json container = {
      {"name", "iop"},
      {"image", o.hub + "/iop:" + tag},
      {"imagePullPolicy", o.imagePullPolicy},
      {"args", args},
      {"env", env},
      {"ports", json::array()},
      {"livenessProbe", probe("/healthz")},
      {"readinessProbe", probe("/readyz")},
      {"resources", resources},
      {"securityContext",
       {{"allowPrivilegeEscalation", false},
        {"capabilities", {{"drop", {"ALL"}}}},
        {"privileged", false},
        {"readOnlyRootFilesystem", true},
        {"runAsNonRoot", true},
        {"runAsUser", 1337},
        {"runAsGroup", 1337}}},
  };
  if (o.exposeMetrics)
    container["ports"].push_back(
        {{"name", "http-metrics"}, {"containerPort", o.metricsPort}, {"protocol", "TCP"}});
  container["ports"].push_back({{"name", "health"}, {"containerPort", o.healthPort}, {"protocol", "TCP"}});
  json podLabels = labels;
  podLabels["sidecar.istio.io/inject"] = "false";
  json podSpec = {
      {"serviceAccountName", name},
      {"securityContext", {{"runAsNonRoot", true}, {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
      {"containers", {container}},
  };
  if (!o.nodeSelector.empty()) podSpec["nodeSelector"] = o.nodeSelector;
  if (!o.tolerations.empty()) podSpec["tolerations"] = o.tolerations;
  if (!o.affinity.empty()) podSpec["affinity"] = o.affinity;
  out.objects.push_back({{"apiVersion", "apps/v1"},
                         {"kind", "Deployment"},
                         {"metadata", meta(name, true)},
                         {"spec",
                          {{"replicas", 1},
                           {"selector", {{"matchLabels", selector}}},
                           {"template", {{"metadata", {{"labels", podLabels}}}, {"spec", podSpec}}}}}});
  if (o.exposeMetrics)
    out.objects.push_back({{"apiVersion", "v1"},
                           {"kind", "Service"},
                           {"metadata", meta(name, true)},
                           {"spec",
                            {{"selector", selector},
                             {"ports",
                              {{{"name", "http-metrics"},
                                {"port", o.metricsPort},
                                {"targetPort", "http-metrics"},
                                {"protocol", "TCP"}}}}}}});
  return out;
}

}  // namespace iop::reconcilers
