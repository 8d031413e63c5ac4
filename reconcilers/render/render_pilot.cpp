// The Pilot component: what Istio's istio-control/istio-discovery chart renders for istiod.
#include <regex>

#include "base/yaml_json.h"
#include "reconcilers/api/json_tree.h"
#include "reconcilers/render/render.h"
#include "reconcilers/render/render_internal.h"

namespace iop::reconcilers::detail {

using nlohmann::json;

namespace {

json labels(const json& base, const std::string& chart = "istiod") {
  json l = base;
  l.update(helmLabels(chart));
  return l;
}

json injectorWebhook(const std::string& prefix, const json& v, const std::string& ns, json nsSelector,
                     json objSelector) {
  json service = {{"name", "istiod" + revSuffix(v)},
                  {"namespace", ns},
                  {"path", getString(v, "istiodRemote.injectionPath", "/inject")},
                  {"port", 443}};
  json client = json::object();
  if (std::string url = getString(v, "istiodRemote.injectionURL"); !url.empty()) {
    client["url"] = url;
  } else {
    client["service"] = service;
  }
  if (std::string ca = getString(v, "istiodRemote.injectionCABundle"); !ca.empty()) client["caBundle"] = ca;
  return {
      {"name", prefix + "sidecar-injector.istio.io"},
      {"clientConfig", client},
      {"sideEffects", "None"},
      {"rules",
       {{{"operations", {"CREATE"}}, {"apiGroups", {""}}, {"apiVersions", {"v1"}}, {"resources", {"pods"}}}}},
      {"failurePolicy", "Fail"},
      {"reinvocationPolicy", getString(v, "sidecarInjectorWebhook.reinvocationPolicy", "Never")},
      {"admissionReviewVersions", {"v1"}},
      {"namespaceSelector", {{"matchExpressions", std::move(nsSelector)}}},
      {"objectSelector", {{"matchExpressions", std::move(objSelector)}}}};
}

json expr(const std::string& key, const std::string& op, std::vector<std::string> values = {}) {
  json e = {{"key", key}, {"operator", op}};
  if (!values.empty()) e["values"] = values;
  return e;
}

std::string meshConfigText(const json& v, const std::string& ns) {
  json mesh = {
      {"trustDomain", "cluster.local"},
      {"rootNamespace", getString(v, "meshConfig.rootNamespace", getString(v, "global.istioNamespace"))}};
  bool prom = !truthy(v["meshConfig"].value("defaultProviders", json())) && getBool(v, "telemetry.enabled") &&
              getBool(v, "telemetry.v2.enabled") && getBool(v, "telemetry.v2.prometheus.enabled");
  if (prom) mesh["defaultProviders"] = {{"metrics", {"prometheus"}}};
  json defaultConfig = json::object();
  if (std::string id = getString(v, "global.meshID"); !id.empty()) defaultConfig["meshId"] = id;
  std::string variant = getString(v, "global.proxy.variant", getString(v, "global.variant"));
  if (!variant.empty()) defaultConfig["image"] = {{"imageType", variant}};
  std::string tracer = getString(v, "global.proxy.tracer", "none");
  if (tracer == "zipkin") {
    defaultConfig["tracing"] = {
        {"zipkin",
         {{"address", getString(v, "global.tracer.zipkin.address",
                                "zipkin." + getString(v, "global.istioNamespace") + ":9411")}}}};
  }
  std::string remote = getString(v, "global.remotePilotAddress");
  if (!remote.empty() && getBool(v, "istiodRemote.enabled") &&
      getBool(v, "istiodRemote.enabledLocalInjectorIstiod")) {
    defaultConfig["discoveryAddress"] = "istiod-remote." + ns + ".svc:15012";
  } else if (!remote.empty()) {
    defaultConfig["discoveryAddress"] = "istiod." + ns + ".svc:15012";
  } else {
    defaultConfig["discoveryAddress"] = "istiod" + revSuffix(v) + "." + ns + ".svc:15012";
  }
  mesh["defaultConfig"] = defaultConfig;
  // The chart overlays values.meshConfig (the CR's spec.meshConfig lands there) on its defaults.
  if (v.contains("meshConfig") && v["meshConfig"].is_object()) deepMerge(mesh, v["meshConfig"]);
  std::string text = iop::base::jsonToYaml(mesh);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace

std::vector<json> renderPilot(const ComponentInput& in) {
  const json& v = in.values;
  const std::string& ns = in.namespace_;
  const std::string istioNs = getString(v, "global.istioNamespace", ns);
  const std::string sfx = revSuffix(v);
  const std::string rev = revLabel(v);
  const bool revisioned = !getString(v, "revision").empty();
  const std::string name = "istiod" + sfx;
  const bool remote = getBool(v, "istiodRemote.enabled");
  const bool localInjector = getBool(v, "istiodRemote.enabledLocalInjectorIstiod");
  const bool configCluster = getBool(v, "global.configCluster");
  const std::string scope = getString(v, "global.resourceScope", "all");
  const bool nsScope = scope == "all" || scope == "namespace";
  const bool clusterScope = scope == "all" || scope == "cluster";
  const bool workloads = nsScope && (!remote || localInjector);
  const bool rbac = !remote || configCluster || localInjector;
  const json pilotEnv = v.value("env", json::object());
  std::vector<json> out;

  const json istiodLabels = {{"app", "istiod"}, {"release", "istio"}, {"app.kubernetes.io/name", "istiod"}};
  const json owned = {{"istio.io/rev", rev},
                      {"install.operator.istio.io/owning-resource", ownerName(v)},
                      {"operator.istio.io/component", "Pilot"}};
  json workloadLabels = labels(istiodLabels);
  workloadLabels.update(owned);
  workloadLabels["istio"] = "pilot";
  // The unrevisioned Deployment selects on `istio: pilot` only (the chart's choice; a selector
  // is immutable, so it must stay what existing installs have).
  json selector = revisioned ? json{{"app", "istiod"}, {"istio.io/rev", getString(v, "revision")}}
                             : json{{"istio", "pilot"}};
  json pdbSelector = revisioned ? selector : json{{"app", "istiod"}, {"istio", "pilot"}};

  if (nsScope && rbac) {
    out.push_back({{"apiVersion", "v1"},
                   {"kind", "ServiceAccount"},
                   {"metadata", meta(name, istioNs, labels(istiodLabels))}});
    if (auto pulls = v["global"].value("imagePullSecrets", json::array()); !pulls.empty()) {
      json secrets = json::array();
      for (const auto& s : pulls) secrets.push_back({{"name", s}});
      out.back()["imagePullSecrets"] = secrets;
    }
  }

  if (clusterScope && rbac) {
    const std::string crName = "istiod-clusterrole" + sfx + "-" + ns;
    const std::string mcs = getString(pilotEnv, "MCS_API_GROUP", "multicluster.x-k8s.io");
    const std::vector<std::string> istioGroups = {
        "config.istio.io", "security.istio.io",  "networking.istio.io", "authentication.istio.io",
        "rbac.istio.io",   "telemetry.istio.io", "extensions.istio.io"};
    const std::vector<std::string> all = {"get", "watch", "list", "update", "patch", "create", "delete"};
    json rules = json::array({
        rule({"admissionregistration.k8s.io"}, {"mutatingwebhookconfigurations"},
             {"get", "list", "watch", "update", "patch"}),
        rule({"admissionregistration.k8s.io"}, {"validatingwebhookconfigurations"},
             {"get", "list", "watch", "update"}),
        rule(istioGroups, {"*"}, {"get", "watch", "list"}),
    });
    if (getBool(v, "global.istiod.enableAnalysis")) {
      rules.push_back(rule(
          istioGroups,
          {"authorizationpolicies/status", "destinationrules/status", "envoyfilters/status",
           "gateways/status", "peerauthentications/status", "proxyconfigs/status",
           "requestauthentications/status", "serviceentries/status", "sidecars/status", "telemetries/status",
           "virtualservices/status", "wasmplugins/status", "workloadentries/status", "workloadgroups/status"},
          {"update", "patch"}));
    }
    rules.push_back(rule({"networking.istio.io"}, {"workloadentries"}, all));
    rules.push_back(rule({"networking.istio.io"}, {"workloadentries/status", "serviceentries/status"}, all));
    rules.push_back(rule({"security.istio.io"}, {"authorizationpolicies/status"}, all));
    rules.push_back(rule({""}, {"services/status"}, all));
    rules.push_back(rule({"apiextensions.k8s.io"}, {"customresourcedefinitions"}, {"get", "list", "watch"}));
    rules.push_back(
        rule({""}, {"pods", "nodes", "services", "namespaces", "endpoints"}, {"get", "list", "watch"}));
    rules.push_back(rule({"discovery.k8s.io"}, {"endpointslices"}, {"get", "list", "watch"}));
    if (getBool(v, "taint.enabled")) rules.push_back(rule({""}, {"nodes"}, {"patch"}));
    if (getBool(v, "global.istiod.enableAnalysis")) {
      rules.push_back(rule({"extensions", "networking.k8s.io"}, {"ingresses"}, {"get", "list", "watch"}));
      rules.push_back(rule({"extensions", "networking.k8s.io"}, {"ingresses/status"}, {"*"}));
    }
    rules.push_back(rule({"networking.k8s.io"}, {"ingresses", "ingressclasses"}, {"get", "list", "watch"}));
    rules.push_back(rule({"networking.k8s.io"}, {"ingresses/status"}, {"*"}));
    rules.push_back(rule({""}, {"configmaps"}, {"create", "get", "list", "watch", "update"}));
    std::string certProvider = getString(v, "global.pilotCertProvider", "istiod");
    if (truthy(pilotEnv.value("EXTERNAL_CA", json())) ||
        (certProvider != "istiod" && certProvider != "custom" && certProvider != "none")) {
      rules.push_back(rule({"certificates.k8s.io"},
                           {"certificatesigningrequests", "certificatesigningrequests/approval",
                            "certificatesigningrequests/status"},
                           {"update", "create", "get", "delete", "watch"}));
      json signers = rule({"certificates.k8s.io"}, {"signers"}, {"approve"});
      signers["resourceNames"] = v["global"].value("certSigners", json::array());
      rules.push_back(signers);
    }
    if (pilotEnv.value("ENABLE_CLUSTER_TRUST_BUNDLE_API", json()) == json(true)) {
      rules.push_back(rule({"certificates.k8s.io"}, {"clustertrustbundles"},
                           {"update", "create", "delete", "list", "watch", "get"}));
      json attest = rule({"certificates.k8s.io"}, {"signers"}, {"attest"});
      attest["resourceNames"] = {"istio.io/istiod-ca"};
      rules.push_back(attest);
    }
    rules.push_back(rule({"authentication.k8s.io"}, {"tokenreviews"}, {"create"}));
    rules.push_back(rule({"authorization.k8s.io"}, {"subjectaccessreviews"}, {"create"}));
    rules.push_back(
        rule({"gateway.networking.k8s.io", "gateway.networking.x-k8s.io"}, {"*"}, {"get", "watch", "list"}));
    rules.push_back(
        rule({"gateway.networking.x-k8s.io"}, {"xbackendtrafficpolicies/status"}, {"update", "patch"}));
    rules.push_back(rule({"gateway.networking.k8s.io"},
                         {"backendtlspolicies/status", "gatewayclasses/status", "gateways/status",
                          "grpcroutes/status", "httproutes/status", "referencegrants/status",
                          "tcproutes/status", "tlsroutes/status", "udproutes/status", "listenersets/status"},
                         {"update", "patch"}));
    rules.push_back(
        rule({"gateway.networking.k8s.io"}, {"gatewayclasses"}, {"create", "update", "patch", "delete"}));
    rules.push_back(rule({"inference.networking.k8s.io"}, {"inferencepools"}, {"get", "watch", "list"}));
    rules.push_back(rule({"inference.networking.k8s.io"}, {"inferencepools/status"}, {"update", "patch"}));
    rules.push_back(rule({""}, {"secrets"}, {"get", "watch", "list"}));
    rules.push_back(rule({mcs}, {"serviceexports"}, {"get", "watch", "list", "create", "delete"}));
    rules.push_back(rule({mcs}, {"serviceimports"}, {"get", "watch", "list"}));
    out.push_back({{"apiVersion", "rbac.authorization.k8s.io/v1"},
                   {"kind", "ClusterRole"},
                   {"metadata", meta(crName, "", labels(istiodLabels))},
                   {"rules", rules}});
    json subject = {{{"kind", "ServiceAccount"}, {"name", name}, {"namespace", istioNs}}};
    out.push_back(
        {{"apiVersion", "rbac.authorization.k8s.io/v1"},
         {"kind", "ClusterRoleBinding"},
         {"metadata", meta(crName, "", labels(istiodLabels))},
         {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", crName}}},
         {"subjects", subject}});
    if (scalarText(pilotEnv.value("PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER", json())) != "false") {
      const std::string gcName = "istiod-gateway-controller" + sfx + "-" + ns;
      out.push_back(
          {{"apiVersion", "rbac.authorization.k8s.io/v1"},
           {"kind", "ClusterRole"},
           {"metadata", meta(gcName, "", labels(istiodLabels))},
           {"rules",
            {rule({"apps"}, {"deployments"}, all), rule({"autoscaling"}, {"horizontalpodautoscalers"}, all),
             rule({"policy"}, {"poddisruptionbudgets"}, all), rule({""}, {"services"}, all),
             rule({""}, {"serviceaccounts"}, all)}}});
      out.push_back({{"apiVersion", "rbac.authorization.k8s.io/v1"},
                     {"kind", "ClusterRoleBinding"},
                     {"metadata", meta(gcName, "", labels(istiodLabels))},
                     {"roleRef",
                      {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", gcName}}},
                     {"subjects", subject}});
    }
  }

  if (clusterScope && getBool(v, "global.enableReaderRBAC", true)) {
    const std::string readerName = "istio-reader-clusterrole" + sfx + "-" + ns;
    const json readerLabels =
        labels({{"app", "istio-reader"}, {"release", "istio"}, {"app.kubernetes.io/name", "istio-reader"}});
    const std::string mcs = getString(pilotEnv, "MCS_API_GROUP", "multicluster.x-k8s.io");
    json rules = json::array({
        rule({"config.istio.io", "security.istio.io", "networking.istio.io", "authentication.istio.io",
              "rbac.istio.io", "telemetry.istio.io", "extensions.istio.io"},
             {"*"}, {"get", "list", "watch"}),
        rule({""},
             {"endpoints", "pods", "services", "nodes", "replicationcontrollers", "namespaces", "secrets",
              "configmaps"},
             {"get", "list", "watch"}),
        rule({"networking.istio.io"}, {"workloadentries"}, {"get", "watch", "list"}),
        rule({"networking.x-k8s.io", "gateway.networking.k8s.io"}, {"gateways"}, {"get", "watch", "list"}),
        rule({"apiextensions.k8s.io"}, {"customresourcedefinitions"}, {"get", "list", "watch"}),
        rule({"discovery.k8s.io"}, {"endpointslices"}, {"get", "list", "watch"}),
        rule({mcs}, {"serviceexports"}, {"get", "list", "watch", "create", "delete"}),
        rule({mcs}, {"serviceimports"}, {"get", "list", "watch"}),
        rule({"apps"}, {"replicasets"}, {"get", "list", "watch"}),
        rule({"authentication.k8s.io"}, {"tokenreviews"}, {"create"}),
        rule({"authorization.k8s.io"}, {"subjectaccessreviews"}, {"create"}),
    });
    if (remote) {
      rules.push_back(rule({""}, {"configmaps"}, {"create", "get", "list", "watch", "update"}));
      rules.push_back(rule({"admissionregistration.k8s.io"}, {"mutatingwebhookconfigurations"},
                           {"get", "list", "watch", "update", "patch"}));
      rules.push_back(rule({"admissionregistration.k8s.io"}, {"validatingwebhookconfigurations"},
                           {"get", "list", "watch", "update"}));
    }
    out.push_back({{"apiVersion", "rbac.authorization.k8s.io/v1"},
                   {"kind", "ClusterRole"},
                   {"metadata", meta(readerName, "", readerLabels)},
                   {"rules", rules}});
    json subject = {
        {"kind", "ServiceAccount"}, {"name", "istio-reader-service-account"}, {"namespace", istioNs}};
    if (std::string sa = getString(v, "global.readerServiceAccount.name"); !sa.empty()) {
      subject = {{"kind", "ServiceAccount"},
                 {"name", sa},
                 {"namespace", getString(v, "global.readerServiceAccount.namespace")}};
    }
    out.push_back(
        {{"apiVersion", "rbac.authorization.k8s.io/v1"},
         {"kind", "ClusterRoleBinding"},
         {"metadata", meta(readerName, "", readerLabels)},
         {"roleRef",
          {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", readerName}}},
         {"subjects", {subject}}});
  }

  if (nsScope && rbac) {
    out.push_back({{"apiVersion", "rbac.authorization.k8s.io/v1"},
                   {"kind", "Role"},
                   {"metadata", meta(name, istioNs, labels(istiodLabels))},
                   {"rules",
                    {rule({"networking.istio.io"}, {"gateways"}, {"create"}),
                     rule({""}, {"secrets"}, {"create", "get", "watch", "list", "update", "delete"}),
                     rule({""}, {"configmaps"}, {"delete"}),
                     rule({"coordination.k8s.io"}, {"leases"}, {"get", "update", "patch", "create"})}}});
    out.push_back({{"apiVersion", "rbac.authorization.k8s.io/v1"},
                   {"kind", "RoleBinding"},
                   {"metadata", meta(name, istioNs, labels(istiodLabels))},
                   {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", name}}},
                   {"subjects", {{{"kind", "ServiceAccount"}, {"name", name}, {"namespace", istioNs}}}}});
  }

  // Webhooks.
  if (clusterScope && !getBool(v, "global.operatorManageWebhooks")) {
    json mwcLabels =
        labels({{"app", "sidecar-injector"}, {"release", "istio"}, {"app.kubernetes.io/name", "istiod"}});
    mwcLabels.update(owned);
    const std::string mwcName = "istio-sidecar-injector" + sfx + (ns == "istio-system" ? "" : "-" + ns);
    json hooks = json::array();
    hooks.push_back(injectorWebhook(
        "rev.namespace.", v, ns, {expr("istio.io/rev", "In", {rev}), expr("istio-injection", "DoesNotExist")},
        {expr("sidecar.istio.io/inject", "NotIn", {"false"})}));
    hooks.push_back(injectorWebhook(
        "rev.object.", v, ns, {expr("istio.io/rev", "DoesNotExist"), expr("istio-injection", "DoesNotExist")},
        {expr("sidecar.istio.io/inject", "NotIn", {"false"}), expr("istio.io/rev", "In", {rev})}));
    if (!revisioned) {
      hooks.push_back(injectorWebhook("namespace.", v, ns, {expr("istio-injection", "In", {"enabled"})},
                                      {expr("sidecar.istio.io/inject", "NotIn", {"false"})}));
      hooks.push_back(injectorWebhook(
          "object.", v, ns, {expr("istio-injection", "DoesNotExist"), expr("istio.io/rev", "DoesNotExist")},
          {expr("sidecar.istio.io/inject", "In", {"true"}), expr("istio.io/rev", "DoesNotExist")}));
      if (getBool(v, "sidecarInjectorWebhook.enableNamespacesByDefault")) {
        hooks.push_back(injectorWebhook(
            "auto.", v, ns,
            {expr("istio-injection", "DoesNotExist"), expr("istio.io/rev", "DoesNotExist"),
             expr("kubernetes.io/metadata.name", "NotIn",
                  {"kube-system", "kube-public", "kube-node-lease", "local-path-storage"})},
            {expr("sidecar.istio.io/inject", "DoesNotExist"), expr("istio.io/rev", "DoesNotExist")}));
      }
    }
    json mwc = {{"apiVersion", "admissionregistration.k8s.io/v1"},
                {"kind", "MutatingWebhookConfiguration"},
                {"metadata", meta(mwcName, "", mwcLabels)},
                {"webhooks", hooks}};
    if (auto a = v.value("sidecarInjectorWebhookAnnotations", json()); truthy(a))
      mwc["metadata"]["annotations"] = a;
    out.push_back(mwc);
  }
  if (clusterScope && rbac && getBool(v, "global.configValidation", true)) {
    json vwcLabels = labels({{"app", "istiod"},
                             {"release", "istio"},
                             {"istio", "istiod"},
                             {"istio.io/rev", rev},
                             {"app.kubernetes.io/name", "istiod"}});
    json client = json::object();
    if (std::string url = getString(v, "base.validationURL"); !url.empty()) {
      client["url"] = url;
    } else {
      client["service"] = {{"name", name}, {"namespace", istioNs}, {"path", "/validate"}};
    }
    json hook = istioValidationWebhook("rev.validation.istio.io", client, v);
    hook["objectSelector"] = {{"matchExpressions", {expr("istio.io/rev", "In", {rev})}}};
    out.push_back({{"apiVersion", "admissionregistration.k8s.io/v1"},
                   {"kind", "ValidatingWebhookConfiguration"},
                   {"metadata", meta("istio-validator" + sfx + "-" + istioNs, "", vwcLabels)},
                   {"webhooks", {hook}}});
  }

  if (nsScope && rbac && getBool(v, "experimental.stableValidationPolicy")) {
    for (auto& o : renderStablePolicy(in)) out.push_back(std::move(o));
  }

  // ConfigMaps.
  json cmLabels = labels({{"release", "istio"}, {"app.kubernetes.io/name", "istiod"}});
  cmLabels.update(owned);
  if (nsScope && getBool(v, "configMap", true)) {
    json networks = {{"networks", truthy(v["global"].value("meshNetworks", json()))
                                      ? v["global"]["meshNetworks"]
                                      : json::object()}};
    std::string networksText = iop::base::jsonToYaml(networks);
    networksText.pop_back();
    out.push_back({{"apiVersion", "v1"},
                   {"kind", "ConfigMap"},
                   {"metadata", meta("istio" + sfx, ns, cmLabels)},
                   {"data", {{"meshNetworks", networksText}, {"mesh", meshConfigText(v, ns)}}}});
  }
  if (nsScope && !getBool(v, "global.omitSidecarInjectorConfigMap")) {
    json picked = {{"global", v["global"]},
                   {"sidecarInjectorWebhook", v.value("sidecarInjectorWebhook", json::object())},
                   {"revision", v.value("revision", "")},
                   {"pilot", {{"cni", v.value("cni", json::object())}, {"env", pilotEnv}}},
                   {"gateways",
                    {{"securityContext", getPath(v, "gateways.securityContext").value_or(json::object())},
                     {"seccompProfile", getPath(v, "gateways.seccompProfile").value_or(json::object())}}}};
    const json& hook = v.value("sidecarInjectorWebhook", json::object());
    json config = {
        {"policy", getString(v, "global.proxy.autoInject", "enabled")},
        {"alwaysInjectSelector", hook.value("alwaysInjectSelector", json::array())},
        {"neverInjectSelector", hook.value("neverInjectSelector", json::array())},
        {"injectedAnnotations",
         truthy(hook.value("injectedAnnotations", json())) ? hook["injectedAnnotations"] : json()}};
    config["defaultTemplates"] =
        truthy(hook.value("defaultTemplates", json())) ? hook["defaultTemplates"] : json{"sidecar"};
    // Makes an istiod older than these templates fail loudly instead of injecting wrongly.
    config["template"] = "{{ Template_Version_And_Istio_Version_Mismatched_Check_Installation }}";
    // User-supplied templates pass through; Istio's built-in injection templates are not
    // bundled with iop (see README), so only templates set in values appear here.
    if (truthy(hook.value("templates", json()))) config["templates"] = hook["templates"];
    std::string configText = iop::base::jsonToYaml(config);
    configText.pop_back();
    out.push_back({{"apiVersion", "v1"},
                   {"kind", "ConfigMap"},
                   {"metadata", meta("istio-sidecar-injector" + sfx, ns, cmLabels)},
                   {"data", {{"values", picked.dump(2)}, {"config", configText}}}});
  }
  if (nsScope) {
    json valuesMeta = meta("values" + sfx, ns, cmLabels);
    valuesMeta["annotations"] = {
        {"kubernetes.io/description",
         "This ConfigMap contains the Helm values used during chart rendering. This ConfigMap "
         "is rendered for debugging purposes and external tooling; modifying these values has "
         "no effect."}};
    out.push_back({{"apiVersion", "v1"},
                   {"kind", "ConfigMap"},
                   {"metadata", valuesMeta},
                   {"data", {{"original-values", in.userValues.dump(2)}, {"merged-values", v.dump(2)}}}});
  }

  // With istiod elsewhere (remote profile), a Service (and for an IP, an EndpointSlice) points at it.
  if (std::string remoteAddr = getString(v, "global.remotePilotAddress");
      nsScope && remote && !remoteAddr.empty()) {
    static const std::regex kIPv4(R"(^([0-9]*\.){3}[0-9]*$)");
    static const std::regex kIPv6(R"(^([0-9a-fA-F]*:)+[0-9a-fA-F]*$)");
    const bool ipv4 = std::regex_search(remoteAddr, kIPv4);
    const bool isIp = ipv4 || std::regex_search(remoteAddr, kIPv6);
    std::string svcName = "istiod" + sfx + (localInjector ? "-remote" : "");
    json remoteLabels = labels({{"istio.io/rev", rev}, {"app.kubernetes.io/name", "istiod"}});
    json spec = {{"ports",
                  {{{"port", 15012}, {"name", "tcp-istiod"}, {"protocol", "TCP"}},
                   {{"port", 443}, {"targetPort", 15017}, {"name", "tcp-webhook"}, {"protocol", "TCP"}}}}};
    if (!isIp) {
      spec["type"] = "ExternalName";
      spec["externalName"] = remoteAddr;
    }
    out.push_back({{"apiVersion", "v1"},
                   {"kind", "Service"},
                   {"metadata", meta(svcName, ns, remoteLabels)},
                   {"spec", spec}});
    if (isIp) {
      json sliceLabels = labels({{"kubernetes.io/service-name", svcName},
                                 {"endpointslice.kubernetes.io/managed-by", "Helm"},
                                 {"app.kubernetes.io/name", "istiod"}});
      out.push_back({{"apiVersion", "discovery.k8s.io/v1"},
                     {"kind", "EndpointSlice"},
                     {"metadata", meta(svcName, ns, sliceLabels)},
                     {"addressType", ipv4 ? "IPv4" : "IPv6"},
                     {"endpoints", {{{"addresses", {remoteAddr}}}}},
                     {"ports",
                      {{{"port", 15012}, {"name", "tcp-istiod"}, {"protocol", "TCP"}},
                       {{"port", 15017}, {"name", "tcp-webhook"}, {"protocol", "TCP"}}}}});
    }
  }

  if (workloads) {
    json deployLabels = workloadLabels;
    for (const auto& [k, val] : objectAt(v, "deploymentLabels").items()) deployLabels[k] = scalarText(val);
    json podLabels = {{"app", "istiod"},
                      {"istio.io/rev", rev},
                      {"install.operator.istio.io/owning-resource", ownerName(v)},
                      {"sidecar.istio.io/inject", "false"},
                      {"operator.istio.io/component", "Pilot"},
                      {"istio", revisioned ? "istiod" : "pilot"}};
    for (const auto& [k, val] : objectAt(v, "podLabels").items()) podLabels[k] = scalarText(val);
    podLabels["istio.io/dataplane-mode"] = "none";
    podLabels["app.kubernetes.io/name"] = "istiod";
    podLabels.update(helmLabels("istiod"));
    json podAnnotations = {{"prometheus.io/port", "15014"},
                           {"prometheus.io/scrape", "true"},
                           {"sidecar.istio.io/inject", "false"}};
    if (truthy(v.value("podAnnotations", json()))) podAnnotations.update(v["podAnnotations"]);

    json args = {"discovery", "--monitoringAddr=:15014"};
    if (std::string lvl = getString(v, "global.logging.level"); !lvl.empty())
      args.push_back("--log_output_level=" + lvl);
    if (getBool(v, "global.logAsJson")) args.push_back("--log_as_json");
    args.push_back("--domain");
    args.push_back(getString(v, "global.proxy.clusterDomain", "cluster.local"));
    if (std::string t = getString(v, "taint.namespace"); !t.empty()) args.push_back("--cniNamespace=" + t);
    args.push_back("--keepaliveMaxServerConnectionAge");
    args.push_back(scalarText(v.value("keepaliveMaxServerConnectionAge", json("30m"))));
    for (const auto& a : v.value("extraContainerArgs", json::array())) args.push_back(a);

    json envs = json::array(
        {env("REVISION", rev), env("PILOT_CERT_PROVIDER", getString(v, "global.pilotCertProvider", "istiod")),
         envField("POD_NAME", "metadata.name", true), envField("POD_NAMESPACE", "metadata.namespace", true),
         envField("SERVICE_ACCOUNT", "spec.serviceAccountName", true),
         env("KUBECONFIG", "/var/run/secrets/remote/config")});
    if (!truthy(pilotEnv.value("CA_TRUSTED_NODE_ACCOUNTS", json()))) {
      std::string ztNs = getString(v, "trustedZtunnelNamespace");
      std::string ztName = getString(v, "trustedZtunnelName");
      envs.push_back(env("CA_TRUSTED_NODE_ACCOUNTS",
                         (ztNs.empty() ? ns : ztNs) + "/" + (ztName.empty() ? "ztunnel" : ztName)));
    }
    for (const auto& [k, val] : pilotEnv.items()) envs.push_back(env(k, scalarText(val)));
    if (getString(pilotEnv, "COMPLIANCE_POLICY") == "fips-140-3")
      envs.push_back(env("GODEBUG", "fips140=only"));
    for (const auto& e : v.value("envVarFrom", json::array())) envs.push_back(e);
    if (truthy(v.value("traceSampling", json()))) {
      envs.push_back(env("PILOT_TRACE_SAMPLING", scalarText(v["traceSampling"])));
    }
    if (getBool(v, "taint.enabled")) {
      envs.push_back(env("PILOT_ENABLE_NODE_UNTAINT_CONTROLLERS", "true"));
      envs.push_back(env("PILOT_NODE_UNTAINT_CONTROLLERS_TAINT_NAME", getString(v, "taint.name")));
    }
    if (truthy(getPath(v, "global.externalIstiod").value_or(json())) &&
        !truthy(pilotEnv.value("EXTERNAL_ISTIOD", json()))) {
      envs.push_back(env("EXTERNAL_ISTIOD", scalarText(v["global"]["externalIstiod"])));
    }
    if (std::string tb = getString(v, "global.trustBundleName"); !tb.empty()) {
      envs.push_back(env("PILOT_CA_CERT_CONFIGMAP", tb));
    }
    if (std::string crl = getString(v, "crlConfigMapName"); !crl.empty()) {
      envs.push_back(env("PILOT_CRL_CONFIGMAP", crl));
    }
    envs.push_back(
        env("PILOT_ENABLE_ANALYSIS", getBool(v, "global.istiod.enableAnalysis") ? "true" : "false"));
    envs.push_back(env("CLUSTER_ID", getString(v, "global.multiCluster.clusterName").empty()
                                         ? "Kubernetes"
                                         : getString(v, "global.multiCluster.clusterName")));
    envs.push_back(envResource("GOMAXPROCS", "limits.cpu"));
    std::string platform = getString(v, "global.platform");
    if (platform.empty()) platform = getString(v, "platform");
    envs.push_back(env("PLATFORM", platform));

    std::string pilotImage = getString(v, "image", "pilot");
    std::string hub = getString(v, "hub");
    if (hub.empty()) hub = getString(v, "global.hub");
    json tag = truthy(v.value("tag", json())) ? v["tag"] : v["global"]["tag"];
    std::string variant = getString(v, "variant");
    if (variant.empty()) variant = getString(v, "global.variant");
    json container = {{"name", "discovery"},
                      {"image", image(hub, pilotImage.empty() ? "pilot" : pilotImage, tag, variant)}};
    if (std::string pp = getString(v, "global.imagePullPolicy"); !pp.empty())
      container["imagePullPolicy"] = pp;
    container["args"] = args;
    container["ports"] = {{{"containerPort", 8080}, {"protocol", "TCP"}, {"name", "http-debug"}},
                          {{"containerPort", 15010}, {"protocol", "TCP"}, {"name", "grpc-xds"}},
                          {{"containerPort", 15012}, {"protocol", "TCP"}, {"name", "tls-xds"}},
                          {{"containerPort", 15017}, {"protocol", "TCP"}, {"name", "https-webhooks"}},
                          {{"containerPort", 15014}, {"protocol", "TCP"}, {"name", "http-monitoring"}}};
    container["readinessProbe"] = {{"httpGet", {{"path", "/ready"}, {"port", 8080}}},
                                   {"initialDelaySeconds", 1},
                                   {"periodSeconds", 3},
                                   {"timeoutSeconds", 5}};
    container["env"] = envs;
    container["resources"] =
        resources(truthy(v.value("resources", json())) ? v["resources"] : v["global"]["defaultResources"]);
    container["securityContext"] = {{"allowPrivilegeEscalation", false},
                                    {"readOnlyRootFilesystem", true},
                                    {"runAsNonRoot", true},
                                    {"capabilities", {{"drop", {"ALL"}}}}};
    if (truthy(v.value("seccompProfile", json())))
      container["securityContext"]["seccompProfile"] = v["seccompProfile"];
    json mounts = {
        {{"name", "istio-token"}, {"mountPath", "/var/run/secrets/tokens"}, {"readOnly", true}},
        {{"name", "local-certs"}, {"mountPath", "/var/run/secrets/istio-dns"}},
        {{"name", "cacerts"}, {"mountPath", "/etc/cacerts"}, {"readOnly", true}},
        {{"name", "istio-kubeconfig"}, {"mountPath", "/var/run/secrets/remote"}, {"readOnly", true}}};
    if (truthy(v.value("jwksResolverExtraRootCA", json())))
      mounts.push_back({{"name", "extracacerts"}, {"mountPath", "/cacerts"}});
    mounts.push_back(
        {{"name", "istio-csr-dns-cert"}, {"mountPath", "/var/run/secrets/istiod/tls"}, {"readOnly", true}});
    mounts.push_back({{"name", "istio-csr-ca-configmap"},
                      {"mountPath", "/var/run/secrets/istiod/ca"},
                      {"readOnly", true}});
    for (const auto& m : v.value("volumeMounts", json::array())) mounts.push_back(m);
    container["volumeMounts"] = mounts;

    json volumes = {
        {{"emptyDir", {{"medium", "Memory"}}}, {"name", "local-certs"}},
        {{"name", "istio-token"},
         {"projected",
          {{"sources",
            {{{"serviceAccountToken",
               {{"audience", getString(v, "global.sds.token.aud", "istio-ca")},
                {"expirationSeconds", 43200},
                {"path", "istio-token"}}}}}}}}},
        {{"name", "cacerts"}, {"secret", {{"secretName", "cacerts"}, {"optional", true}}}},
        {{"name", "istio-kubeconfig"}, {"secret", {{"secretName", "istio-kubeconfig"}, {"optional", true}}}},
        {{"name", "istio-csr-dns-cert"}, {"secret", {{"secretName", "istiod-tls"}, {"optional", true}}}}};
    std::string trustBundle = getString(v, "global.trustBundleName");
    if (pilotEnv.value("ENABLE_CLUSTER_TRUST_BUNDLE_API", json()) == json(true)) {
      volumes.push_back(
          {{"name", "istio-csr-ca-configmap"},
           {"projected",
            {{"sources",
              {{{"clusterTrustBundle",
                 {{"name", "istio.io:istiod-ca:" + (trustBundle.empty() ? "root-cert" : trustBundle)},
                  {"path", "root-cert.pem"},
                  {"optional", true}}}}}}}}});
    } else {
      volumes.push_back({{"name", "istio-csr-ca-configmap"},
                         {"configMap",
                          {{"name", trustBundle.empty() ? "istio-ca-root-cert" : trustBundle},
                           {"defaultMode", 420},
                           {"optional", true}}}});
    }
    if (truthy(v.value("jwksResolverExtraRootCA", json()))) {
      volumes.push_back(
          {{"name", "extracacerts"}, {"configMap", {{"name", "pilot-jwks-extra-cacerts" + sfx}}}});
    }
    for (const auto& vol : v.value("volumes", json::array())) volumes.push_back(vol);

    json tolerations = json::array({{{"key", "cni.istio.io/not-ready"}, {"operator", "Exists"}}});
    for (const auto& t : v.value("tolerations", json::array())) tolerations.push_back(t);
    json podSpec = json::object();
    if (truthy(v.value("nodeSelector", json()))) podSpec["nodeSelector"] = v["nodeSelector"];
    if (truthy(v.value("affinity", json()))) podSpec["affinity"] = v["affinity"];
    podSpec["tolerations"] = tolerations;
    if (truthy(v.value("topologySpreadConstraints", json())))
      podSpec["topologySpreadConstraints"] = v["topologySpreadConstraints"];
    podSpec["serviceAccountName"] = name;
    if (std::string pc = getString(v, "global.priorityClassName"); !pc.empty())
      podSpec["priorityClassName"] = pc;
    if (truthy(v.value("initContainers", json()))) podSpec["initContainers"] = v["initContainers"];
    podSpec["containers"] = {container};
    podSpec["volumes"] = volumes;

    json spec = json::object();
    const bool autoscale = truthy(v.value("autoscaleEnabled", json()));
    if (!autoscale && truthy(v.value("replicaCount", json()))) spec["replicas"] = v["replicaCount"];
    spec["strategy"] = {{"rollingUpdate",
                         {{"maxSurge", v.value("rollingMaxSurge", json("100%"))},
                          {"maxUnavailable", v.value("rollingMaxUnavailable", json("25%"))}}}};
    spec["selector"] = {{"matchLabels", selector}};
    spec["template"] = {{"metadata", {{"labels", podLabels}, {"annotations", podAnnotations}}},
                        {"spec", podSpec}};
    json deployment = {{"apiVersion", "apps/v1"},
                       {"kind", "Deployment"},
                       {"metadata", meta(name, ns, deployLabels)},
                       {"spec", spec}};
    if (truthy(v.value("deploymentAnnotations", json())))
      deployment["metadata"]["annotations"] = v["deploymentAnnotations"];
    out.push_back(deployment);

    json scaledLabels =
        labels({{"app", "istiod"}, {"release", "istio"}, {"app.kubernetes.io/name", "istiod"}});
    scaledLabels.update(owned);
    if (autoscale && truthy(v.value("autoscaleMin", json())) && truthy(v.value("autoscaleMax", json()))) {
      json metrics = json::array(
          {{{"type", "Resource"},
            {"resource",
             {{"name", "cpu"},
              {"target",
               {{"type", "Utilization"},
                {"averageUtilization", getPath(v, "cpu.targetAverageUtilization").value_or(80)}}}}}}});
      if (auto mem = getPath(v, "memory.targetAverageUtilization"); mem && truthy(*mem)) {
        metrics.push_back(
            {{"type", "Resource"},
             {"resource",
              {{"name", "memory"}, {"target", {{"type", "Utilization"}, {"averageUtilization", *mem}}}}}});
      }
      json hpaSpec = {{"maxReplicas", v["autoscaleMax"]},
                      {"minReplicas", v["autoscaleMin"]},
                      {"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", name}}},
                      {"metrics", metrics}};
      if (truthy(v.value("autoscaleBehavior", json()))) hpaSpec["behavior"] = v["autoscaleBehavior"];
      out.push_back({{"apiVersion", "autoscaling/v2"},
                     {"kind", "HorizontalPodAutoscaler"},
                     {"metadata", meta(name, ns, scaledLabels)},
                     {"spec", hpaSpec}});
    }
    auto asInt = [](const json& j) { return j.is_number() ? j.get<long long>() : 0LL; };
    if (getBool(v, "global.defaultPodDisruptionBudget.enabled", true) &&
        ((autoscale && asInt(v.value("autoscaleMin", json())) > 1) ||
         (!autoscale && asInt(v.value("replicaCount", json())) > 1))) {
      json pdbLabels = scaledLabels;
      pdbLabels["istio"] = "pilot";
      json pdbSpec = json::object();
      const json pdb = v.value("pdb", json::object());
      if (truthy(pdb.value("minAvailable", json())) && !pdb.contains("maxUnavailable")) {
        pdbSpec["minAvailable"] = pdb["minAvailable"];
      } else if (truthy(pdb.value("maxUnavailable", json()))) {
        pdbSpec["maxUnavailable"] = pdb["maxUnavailable"];
      }
      if (truthy(pdb.value("unhealthyPodEvictionPolicy", json())))
        pdbSpec["unhealthyPodEvictionPolicy"] = pdb["unhealthyPodEvictionPolicy"];
      pdbSpec["selector"] = {{"matchLabels", pdbSelector}};
      out.push_back({{"apiVersion", "policy/v1"},
                     {"kind", "PodDisruptionBudget"},
                     {"metadata", meta(name, ns, pdbLabels)},
                     {"spec", pdbSpec}});
    }

    json svcLabels = workloadLabels;
    json svcSelector = revisioned ? json{{"app", "istiod"}, {"istio.io/rev", getString(v, "revision")}}
                                  : json{{"app", "istiod"}, {"istio", "pilot"}};
    json svcSpec = {{"ports",
                     {{{"port", 15010}, {"name", "grpc-xds"}, {"protocol", "TCP"}},
                      {{"port", 15012}, {"name", "https-dns"}, {"protocol", "TCP"}},
                      {{"port", 443}, {"name", "https-webhook"}, {"targetPort", 15017}, {"protocol", "TCP"}},
                      {{"port", 15014}, {"name", "http-monitoring"}, {"protocol", "TCP"}}}},
                    {"selector", svcSelector}};
    if (truthy(v.value("ipFamilyPolicy", json()))) svcSpec["ipFamilyPolicy"] = v["ipFamilyPolicy"];
    if (truthy(v.value("ipFamilies", json()))) svcSpec["ipFamilies"] = v["ipFamilies"];
    if (truthy(v.value("trafficDistribution", json())))
      svcSpec["trafficDistribution"] = v["trafficDistribution"];
    json svc = {{"apiVersion", "v1"},
                {"kind", "Service"},
                {"metadata", meta(name, ns, svcLabels)},
                {"spec", svcSpec}};
    if (truthy(v.value("serviceAnnotations", json())))
      svc["metadata"]["annotations"] = v["serviceAnnotations"];
    out.push_back(svc);
  }
  return out;
}

}  // namespace iop::reconcilers::detail
