// The Cni component: what Istio's istio-cni chart renders (the istio-cni-node DaemonSet, its
// ConfigMap, ServiceAccount and cluster RBAC).
#include "base/yaml_json.h"
#include "reconcilers/api/json_tree.h"
#include "reconcilers/render/render.h"
#include "reconcilers/render/render_internal.h"

namespace iop::reconcilers::detail {

using nlohmann::json;

std::vector<json> renderCni(const ComponentInput& in) {
  const json& v = in.values;
  const std::string& ns = in.namespace_;
  const std::string rev = revLabel(v);
  const std::string scope = getString(v, "global.resourceScope", "all");
  const bool nsScope = scope == "all" || scope == "namespace";
  const bool clusterScope = scope == "all" || scope == "cluster";
  const bool ambient = getBool(v, "ambient.enabled");
  const bool repairPods = getBool(v, "repair.repairPods");
  std::string platform = getString(v, "platform");
  if (platform.empty()) platform = getString(v, "global.platform");
  std::vector<json> out;

  json base = {{"app", "istio-cni"},
               {"release", "istio"},
               {"istio.io/rev", rev},
               {"install.operator.istio.io/owning-resource", ownerName(v)},
               {"operator.istio.io/component", "Cni"},
               {"app.kubernetes.io/name", "istio-cni"}};
  base.update(helmLabels("cni"));
  json repairLabels = base;
  repairLabels.erase("app");
  repairLabels["k8s-app"] = "istio-cni-repair";
  const json subject = {{{"kind", "ServiceAccount"}, {"name", "istio-cni"}, {"namespace", ns}}};
  auto binding = [&](const std::string& name, const std::string& role, const json& labels) {
    return json{
        {"apiVersion", "rbac.authorization.k8s.io/v1"},
        {"kind", "ClusterRoleBinding"},
        {"metadata", meta(name, "", labels)},
        {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", role}}},
        {"subjects", subject}};
  };

  if (nsScope) {
    json sa = {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", meta("istio-cni", ns, base)}};
    if (auto pulls = v["global"].value("imagePullSecrets", json::array()); !pulls.empty()) {
      json secrets = json::array();
      for (const auto& s : pulls) secrets.push_back({{"name", s}});
      sa["imagePullSecrets"] = secrets;
    }
    out.push_back(sa);
  }
  if (clusterScope) {
    json rules = {rule({""}, {"pods", "nodes", "namespaces"}, {"get", "list", "watch"})};
    if (platform == "openshift") {
      json scc = rule({"security.openshift.io"}, {"securitycontextconstraints"}, {"use"});
      scc["resourceNames"] = {"privileged"};
      rules.push_back(scc);
    }
    out.push_back({{"apiVersion", "rbac.authorization.k8s.io/v1"},
                   {"kind", "ClusterRole"},
                   {"metadata", meta("istio-cni", "", base)},
                   {"rules", rules}});
    out.push_back(binding("istio-cni", "istio-cni", base));
    if (getBool(v, "repair.enabled")) {
      json repairRules = {rule({""}, {"events"}, {"create", "patch"}),
                          rule({""}, {"pods"}, {"watch", "get", "list"})};
      if (!repairPods && getBool(v, "repair.deletePods")) {
        repairRules.push_back(rule({""}, {"pods"}, {"delete"}));
      } else if (!repairPods && getBool(v, "repair.labelPods")) {
        repairRules.push_back(rule({""}, {"pods/status"}, {"patch", "update"}));
      }
      out.push_back({{"apiVersion", "rbac.authorization.k8s.io/v1"},
                     {"kind", "ClusterRole"},
                     {"metadata", meta("istio-cni-repair-role", "", base)},
                     {"rules", repairRules}});
      out.push_back(binding("istio-cni-repair-rolebinding", "istio-cni-repair-role", repairLabels));
    }
    if (ambient) {
      json dsRule = rule({"apps"}, {"daemonsets"}, {"get"});
      dsRule["resourceNames"] = {"istio-cni-node"};
      out.push_back({{"apiVersion", "rbac.authorization.k8s.io/v1"},
                     {"kind", "ClusterRole"},
                     {"metadata", meta("istio-cni-ambient", "", base)},
                     {"rules", {rule({""}, {"pods/status"}, {"patch", "update"}), dsRule}}});
      out.push_back(binding("istio-cni-ambient", "istio-cni-ambient", repairLabels));
    }
  }
  if (!nsScope) return out;

  auto q = [](const json& j) { return scalarText(j); };
  json data = {{"CURRENT_AGENT_VERSION", q(truthy(v.value("tag", json())) ? v["tag"] : v["global"]["tag"])},
               {"AMBIENT_ENABLED", ambient ? "true" : "false"},
               {"AMBIENT_DNS_CAPTURE", q(getPath(v, "ambient.dnsCapture").value_or(true))},
               {"AMBIENT_IPV6", q(getPath(v, "ambient.ipv6").value_or(true))},
               {"AMBIENT_RECONCILE_POD_RULES_ON_STARTUP",
                q(getPath(v, "ambient.reconcileIptablesOnStartup").value_or(true))},
               {"ENABLE_AMBIENT_DETECTION_RETRY",
                q(getPath(v, "ambient.enableAmbientDetectionRetry").value_or(false))},
               {"ISTIO_OWNED_CNI_CONFIG", q(v.value("istioOwnedCNIConfig", json(false)))},
               {"CHAINED_CNI_PLUGIN", q(v.value("chained", json(true)))},
               {"REPAIR_ENABLED", q(getPath(v, "repair.enabled").value_or(true))},
               {"REPAIR_LABEL_PODS", q(getPath(v, "repair.labelPods").value_or(false))},
               {"REPAIR_DELETE_PODS", q(getPath(v, "repair.deletePods").value_or(false))},
               {"REPAIR_REPAIR_PODS", q(getPath(v, "repair.repairPods").value_or(true))},
               {"REPAIR_INIT_CONTAINER_NAME", getString(v, "repair.initContainerName")},
               {"REPAIR_BROKEN_POD_LABEL_KEY", getString(v, "repair.brokenPodLabelKey")},
               {"REPAIR_BROKEN_POD_LABEL_VALUE", getString(v, "repair.brokenPodLabelValue")},
               {"NATIVE_NFTABLES", q(getPath(v, "global.nativeNftables").value_or(false))}};
  if (auto sel = getPath(v, "ambient.enablementSelectors"); sel) {
    std::string text = iop::base::jsonToYaml(*sel);
    text.pop_back();
    data["AMBIENT_ENABLEMENT_SELECTOR"] = text;
  }
  if (std::string f = getString(v, "cniConfFileName"); !f.empty()) data["CNI_CONF_NAME"] = f;
  if (getBool(v, "istioOwnedCNIConfig"))
    data["ISTIO_OWNED_CNI_CONF_FILENAME"] = getString(v, "istioOwnedCNIConfigFileName");
  std::string excluded;
  for (const auto& e : v.value("excludeNamespaces", json::array()))
    excluded += (excluded.empty() ? "" : ",") + scalarText(e);
  data["EXCLUDE_NAMESPACES"] = excluded;
  for (const auto& [k, val] : objectAt(v, "env").items()) data[k] = scalarText(val);
  out.push_back({{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", meta("istio-cni-config", ns, base)},
                 {"data", data}});

  json dsLabels = base;
  dsLabels.erase("app");
  dsLabels["k8s-app"] = "istio-cni-node";
  for (const auto& [k, val] : objectAt(v, "daemonSetLabels").items()) dsLabels[k] = val;
  json podLabels = {{"k8s-app", "istio-cni-node"},
                    {"sidecar.istio.io/inject", "false"},
                    {"istio.io/dataplane-mode", "none"},
                    {"app.kubernetes.io/name", "istio-cni"}};
  podLabels.update(helmLabels("cni"));
  for (const auto& [k, val] : objectAt(v, "podLabels").items()) podLabels[k] = val;
  json podAnnotations = {{"sidecar.istio.io/inject", "false"},
                         {"prometheus.io/scrape", "true"},
                         {"prometheus.io/port", "15014"},
                         {"prometheus.io/path", "/metrics"}};
  const bool appArmorAnnotation = v.value("useAppArmorAnnotation", true);
  if (appArmorAnnotation)
    podAnnotations["container.apparmor.security.beta.kubernetes.io/install-cni"] = "unconfined";
  if (truthy(v.value("podAnnotations", json()))) podAnnotations.update(v["podAnnotations"]);

  const bool hostNet = ambient && getBool(v, "ambient.shareHostNetworkNamespace");
  std::string hub = getString(v, "hub");
  if (hub.empty()) hub = getString(v, "global.hub");
  std::string variant = getString(v, "variant");
  if (variant.empty()) variant = getString(v, "global.variant");
  json tag = truthy(v.value("tag", json())) ? v["tag"] : v["global"]["tag"];
  std::string img = getString(v, "image", "install-cni");
  json container = {{"name", "install-cni"},
                    {"image", image(hub, img.empty() ? "install-cni" : img, tag, variant)}};
  std::string pull = getString(v, "pullPolicy");
  if (pull.empty()) pull = getString(v, "global.imagePullPolicy");
  if (!pull.empty()) container["imagePullPolicy"] = pull;
  container["ports"] = {{{"containerPort", 15014}, {"name", "metrics"}, {"protocol", "TCP"}}};
  container["readinessProbe"] = {{"httpGet", {{"path", "/readyz"}, {"port", 8000}}}};
  json sc = json::object();
  if (!appArmorAnnotation) sc["appArmorProfile"] = {{"type", "Unconfined"}};
  sc["privileged"] = false;
  sc["runAsGroup"] = 0;
  sc["runAsUser"] = 0;
  sc["runAsNonRoot"] = false;
  sc["capabilities"] = {{"drop", {"ALL"}},
                        {"add", {"NET_ADMIN", "NET_RAW", "SYS_PTRACE", "SYS_ADMIN", "DAC_OVERRIDE"}}};
  if (truthy(v.value("seLinuxOptions", json()))) {
    json se = v["seLinuxOptions"];
    se["type"] = se.value("type", "spc_t");
    sc["seLinuxOptions"] = se;
  }
  if (truthy(v.value("seccompProfile", json()))) sc["seccompProfile"] = v["seccompProfile"];
  container["securityContext"] = sc;
  container["command"] = {"install-cni"};
  json args = json::array();
  std::string level = getString(v, "logging.level");
  if (level.empty()) level = getString(v, "global.logging.level");
  if (!level.empty()) args.push_back("--log_output_level=" + level);
  if (getBool(v, "global.logAsJson")) args.push_back("--log_as_json");
  container["args"] = args;
  container["envFrom"] = {{{"configMapRef", {{"name", "istio-cni-config"}}}}};
  json envs = {envField("REPAIR_NODE_NAME", "spec.nodeName"), env("REPAIR_RUN_AS_DAEMON", "true"),
               env("REPAIR_SIDECAR_ANNOTATION", "sidecar.istio.io/status")};
  if (!hostNet) envs.push_back(env("ALLOW_SWITCH_TO_HOST_NS", "true"));
  envs.push_back(envField("NODE_NAME", "spec.nodeName", true));
  envs.push_back(envResource("GOMEMLIMIT", "limits.memory"));
  envs.push_back(envResource("GOMAXPROCS", "limits.cpu"));
  envs.push_back(envField("POD_NAME", "metadata.name"));
  envs.push_back(envField("POD_NAMESPACE", "metadata.namespace"));
  container["env"] = envs;
  json mounts = {{{"mountPath", "/host/opt/cni/bin"}, {"name", "cni-bin-dir"}}};
  if (repairPods || ambient)
    mounts.push_back({{"mountPath", "/host/proc"}, {"name", "cni-host-procfs"}, {"readOnly", true}});
  mounts.push_back({{"mountPath", "/host/etc/cni/net.d"}, {"name", "cni-net-dir"}});
  mounts.push_back({{"mountPath", "/var/run/istio-cni"}, {"name", "cni-socket-dir"}});
  if (ambient) {
    mounts.push_back({{"mountPath", "/host/var/run/netns"},
                      {"mountPropagation", "HostToContainer"},
                      {"name", "cni-netns-dir"}});
    mounts.push_back({{"mountPath", "/var/run/ztunnel"}, {"name", "cni-ztunnel-sock-dir"}});
  }
  container["volumeMounts"] = mounts;
  container["resources"] =
      resources(truthy(v.value("resources", json())) ? v["resources"] : v["global"]["defaultResources"]);

  json volumes = {
      {{"name", "cni-bin-dir"}, {"hostPath", {{"path", getString(v, "cniBinDir", "/opt/cni/bin")}}}}};
  if (repairPods || ambient) {
    volumes.push_back(
        {{"name", "cni-host-procfs"}, {"hostPath", {{"path", "/proc"}, {"type", "Directory"}}}});
  }
  if (ambient) {
    volumes.push_back({{"name", "cni-ztunnel-sock-dir"},
                       {"hostPath", {{"path", "/var/run/ztunnel"}, {"type", "DirectoryOrCreate"}}}});
  }
  volumes.push_back(
      {{"name", "cni-net-dir"}, {"hostPath", {{"path", getString(v, "cniConfDir", "/etc/cni/net.d")}}}});
  volumes.push_back({{"name", "cni-socket-dir"}, {"hostPath", {{"path", "/var/run/istio-cni"}}}});
  volumes.push_back(
      {{"name", "cni-netns-dir"},
       {"hostPath",
        {{"path", getString(v, "cniNetnsDir", "/var/run/netns")}, {"type", "DirectoryOrCreate"}}}});

  json podSpec = json::object();
  if (hostNet) {
    podSpec["hostNetwork"] = true;
    podSpec["dnsPolicy"] = "ClusterFirstWithHostNet";
  }
  podSpec["nodeSelector"] = {{"kubernetes.io/os", "linux"}};
  if (truthy(v.value("affinity", json()))) podSpec["affinity"] = v["affinity"];
  if (truthy(v.value("tolerations", json()))) podSpec["tolerations"] = v["tolerations"];
  podSpec["priorityClassName"] = "system-node-critical";
  podSpec["serviceAccountName"] = "istio-cni";
  podSpec["terminationGracePeriodSeconds"] = v.value("terminationGracePeriodSeconds", json(30));
  podSpec["containers"] = {container};
  podSpec["volumes"] = volumes;

  json spec = {{"selector", {{"matchLabels", {{"k8s-app", "istio-cni-node"}}}}}};
  if (truthy(v.value("updateStrategy", json()))) spec["updateStrategy"] = v["updateStrategy"];
  spec["template"] = {{"metadata", {{"labels", podLabels}, {"annotations", podAnnotations}}},
                      {"spec", podSpec}};
  out.push_back({{"apiVersion", "apps/v1"},
                 {"kind", "DaemonSet"},
                 {"metadata", meta("istio-cni-node", ns, dsLabels)},
                 {"spec", spec}});

  if (getBool(v, "resourceQuotas.enabled")) {
    json rqLabels = helmLabels("cni");
    rqLabels["app.kubernetes.io/name"] = "istio-cni";
    out.push_back({{"apiVersion", "v1"},
                   {"kind", "ResourceQuota"},
                   {"metadata", meta("istio-cni-resource-quota", ns, rqLabels)},
                   {"spec",
                    {{"hard", {{"pods", scalarText(getPath(v, "resourceQuotas.pods").value_or(5000))}}},
                     {"scopeSelector",
                      {{"matchExpressions",
                        {{{"operator", "In"},
                          {"scopeName", "PriorityClass"},
                          {"values", {"system-node-critical"}}}}}}}}}});
  }
  return out;
}

}  // namespace iop::reconcilers::detail
