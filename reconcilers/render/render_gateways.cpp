// The IngressGateways and EgressGateways components: what Istio's gateways/istio-ingress and
// gateways/istio-egress charts render for one gateway of spec.components.*Gateways.
#include "reconcilers/api/json_tree.h"
#include "reconcilers/render/render.h"
#include "reconcilers/render/render_internal.h"

namespace iop::reconcilers::detail {

using nlohmann::json;

std::vector<json> renderGateway(const ComponentInput& in, bool ingress) {
  const json& v = in.values;
  const std::string root = ingress ? "istio-ingressgateway" : "istio-egressgateway";
  const std::string component = ingress ? "IngressGateways" : "EgressGateways";
  const std::string chart = ingress ? "istio-ingress" : "istio-egress";
  const json gw = getPath(v, "gateways." + root).value_or(json::object());
  const std::string& ns = in.namespace_;
  const std::string name = gw.value("name", root);
  const std::string rev = revLabel(v);
  const std::string sfx = revSuffix(v);
  json gwLabels = json::object();
  for (const auto& [k, val] : objectAt(gw, "labels").items()) gwLabels[k] = scalarText(val);
  std::vector<json> out;

  json common = gwLabels;
  common["release"] = "istio";
  common["istio.io/rev"] = rev;
  common["install.operator.istio.io/owning-resource"] = ownerName(v);
  common["operator.istio.io/component"] = component;
  common["app.kubernetes.io/name"] = root;
  common.update(helmLabels(chart));

  json sa = {{"apiVersion", "v1"},
             {"kind", "ServiceAccount"},
             {"metadata", meta(name + "-service-account", ns, common)}};
  if (auto pulls = v["global"].value("imagePullSecrets", json::array()); !pulls.empty()) {
    json secrets = json::array();
    for (const auto& s : pulls) secrets.push_back({{"name", s}});
    sa["imagePullSecrets"] = secrets;
  }
  if (auto ann = getPath(gw, "serviceAccount.annotations"); ann && truthy(*ann))
    sa["metadata"]["annotations"] = *ann;
  out.push_back(sa);

  json rbacLabels = common;
  for (const auto& [k, _] : gwLabels.items()) rbacLabels.erase(k);
  out.push_back({{"apiVersion", "rbac.authorization.k8s.io/v1"},
                 {"kind", "Role"},
                 {"metadata", meta(name + "-sds", ns, rbacLabels)},
                 {"rules", {rule({""}, {"secrets"}, {"get", "watch", "list"})}}});
  out.push_back(
      {{"apiVersion", "rbac.authorization.k8s.io/v1"},
       {"kind", "RoleBinding"},
       {"metadata", meta(name + "-sds", ns, rbacLabels)},
       {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", name + "-sds"}}},
       {"subjects", {{{"kind", "ServiceAccount"}, {"name", name + "-service-account"}}}}});

  const json ports = gw.value("ports", json::array());
  if (gw.value("injectionTemplate", "").empty()) {
    json deployLabels = common;
    deployLabels["istio.io/dataplane-mode"] = "none";
    json podLabels = gwLabels;
    if (ns == "istio-system") {
      podLabels["heritage"] = "Tiller";
      podLabels["release"] = "istio";
      podLabels["chart"] = "gateways";
    }
    podLabels["service.istio.io/canonical-name"] = name;
    std::string canonicalRev = getString(gwLabels, "app\\.kubernetes\\.io/version");
    if (canonicalRev.empty()) canonicalRev = getString(gwLabels, "version");
    if (canonicalRev.empty()) canonicalRev = getString(v, "revision");
    if (canonicalRev.empty()) canonicalRev = "latest";
    podLabels["service.istio.io/canonical-revision"] = canonicalRev;
    podLabels["istio.io/rev"] = rev;
    podLabels["install.operator.istio.io/owning-resource"] = ownerName(v);
    podLabels["operator.istio.io/component"] = component;
    podLabels["sidecar.istio.io/inject"] = "false";
    podLabels["app.kubernetes.io/name"] = root;
    podLabels["istio.io/dataplane-mode"] = "none";
    podLabels.update(helmLabels(chart));
    json podAnnotations = {{"istio.io/rev", rev}};
    if (getBool(v, "meshConfig.enablePrometheusMerge")) {
      podAnnotations["prometheus.io/port"] = "15020";
      podAnnotations["prometheus.io/scrape"] = "true";
      podAnnotations["prometheus.io/path"] = "/stats/prometheus";
    }
    podAnnotations["sidecar.istio.io/inject"] = "false";
    if (truthy(gw.value("podAnnotations", json()))) podAnnotations.update(gw["podAnnotations"]);

    const bool runAsRoot = gw.value("runAsRoot", false);
    std::string platform = getString(v, "platform");
    if (platform.empty()) platform = getString(v, "global.platform");
    json podSpec = json::object();
    if (!runAsRoot) {
      json sc = json::object();
      if (platform != "openshift") {
        sc["runAsUser"] = 1337;
        sc["runAsGroup"] = 1337;
      }
      sc["runAsNonRoot"] = true;
      podSpec["securityContext"] = sc;
    }
    podSpec["serviceAccountName"] = name + "-service-account";
    if (std::string pc = getString(v, "global.priorityClassName"); !pc.empty())
      podSpec["priorityClassName"] = pc;

    json cports = json::array();
    for (const auto& p : ports) {
      json cp = {
          {"containerPort",
           p.contains("targetPort") && truthy(p["targetPort"]) ? p["targetPort"] : p.value("port", json())},
          {"protocol", p.contains("protocol") && truthy(p["protocol"]) ? p["protocol"] : json("TCP")}};
      cports.push_back(cp);
    }
    cports.push_back({{"containerPort", 15090}, {"protocol", "TCP"}, {"name", "http-envoy-prom"}});

    json args = {"proxy", "router", "--domain",
                 "$(POD_NAMESPACE).svc." + getString(v, "global.proxy.clusterDomain", "cluster.local")};
    if (std::string l = getString(v, "global.proxy.logLevel"); !l.empty())
      args.push_back("--proxyLogLevel=" + l);
    if (std::string l = getString(v, "global.proxy.componentLogLevel"); !l.empty())
      args.push_back("--proxyComponentLogLevel=" + l);
    if (std::string l = getString(v, "global.logging.level"); !l.empty())
      args.push_back("--log_output_level=" + l);
    if (getBool(v, "global.logAsJson")) args.push_back("--log_as_json");
    if (auto sts = getPath(v, "global.sts.servicePort"); sts && truthy(*sts))
      args.push_back("--stsPort=" + scalarText(*sts));

    std::string caAddr = getString(v, "global.caAddress");
    if (caAddr.empty())
      caAddr = "istiod" + sfx + "." + getString(v, "global.istioNamespace", "istio-system") + ".svc:15012";
    json envs = json::array(
        {env("PILOT_CERT_PROVIDER", getString(v, "global.pilotCertProvider", "istiod")),
         env("CA_ADDR", caAddr), envField("NODE_NAME", "spec.nodeName", true),
         envField("POD_NAME", "metadata.name", true), envField("POD_NAMESPACE", "metadata.namespace", true),
         envField("INSTANCE_IP", "status.podIP", true), envField("HOST_IP", "status.hostIP", true),
         envResource("ISTIO_CPU_LIMIT", "limits.cpu"), envField("SERVICE_ACCOUNT", "spec.serviceAccountName"),
         env("ISTIO_META_WORKLOAD_NAME", name),
         env("ISTIO_META_OWNER", "kubernetes://apis/apps/v1/namespaces/" + ns + "/deployments/" + name)});
    std::string meshId = getString(v, "global.meshID");
    std::string trustDomain = getString(v, "meshConfig.trustDomain");
    if (!meshId.empty()) {
      envs.push_back(env("ISTIO_META_MESH_ID", meshId));
    } else if (!trustDomain.empty()) {
      envs.push_back(env("ISTIO_META_MESH_ID", trustDomain));
    }
    if (!trustDomain.empty()) envs.push_back(env("TRUST_DOMAIN", trustDomain));
    if (!runAsRoot) envs.push_back(env("ISTIO_META_UNPRIVILEGED_POD", "true"));
    const json gwEnv = gw.value("env", json::object());
    for (const auto& [k, val] : gwEnv.items()) envs.push_back(env(k, scalarText(val)));
    const json proxyMetadata = getPath(v, "meshConfig.defaultConfig.proxyMetadata").value_or(json::object());
    for (const auto& [k, val] : proxyMetadata.items()) {
      envs.push_back(env(k, scalarText(val)));
    }
    if (!truthy(gwEnv.value("ISTIO_META_NETWORK", json())) && !getString(v, "global.network").empty()) {
      envs.push_back(env("ISTIO_META_NETWORK", getString(v, "global.network")));
    }
    std::string cluster = getString(v, "global.multiCluster.clusterName");
    envs.push_back(env("ISTIO_META_CLUSTER_ID", cluster.empty() ? "Kubernetes" : cluster));
    envs.push_back(envField("ISTIO_META_NODE_NAME", "spec.nodeName"));

    const bool istiodCerts = getString(v, "global.pilotCertProvider", "istiod") == "istiod";
    json mounts = {
        {{"name", "workload-socket"}, {"mountPath", "/var/run/secrets/workload-spiffe-uds"}},
        {{"name", "credential-socket"}, {"mountPath", "/var/run/secrets/credential-uds"}},
        {{"name", "workload-certs"}, {"mountPath", "/var/run/secrets/workload-spiffe-credentials"}},
        {{"name", "istio-envoy"}, {"mountPath", "/etc/istio/proxy"}},
        {{"name", "config-volume"}, {"mountPath", "/etc/istio/config"}}};
    if (istiodCerts) mounts.push_back({{"mountPath", "/var/run/secrets/istio"}, {"name", "istiod-ca-cert"}});
    mounts.push_back({{"name", "istio-token"}, {"mountPath", "/var/run/secrets/tokens"}, {"readOnly", true}});
    if (getBool(v, "global.mountMtlsCerts"))
      mounts.push_back({{"name", "istio-certs"}, {"mountPath", "/etc/certs"}, {"readOnly", true}});
    mounts.push_back({{"mountPath", "/var/lib/istio/data"}, {"name", "istio-data"}});
    mounts.push_back({{"name", "podinfo"}, {"mountPath", "/etc/istio/pod"}});
    for (const auto& sv : gw.value("secretVolumes", json::array())) {
      mounts.push_back(
          {{"name", sv.value("name", "")}, {"mountPath", sv.value("mountPath", "")}, {"readOnly", true}});
    }
    for (const auto& cv : gw.value("configVolumes", json::array())) {
      if (truthy(cv.value("mountPath", json()))) {
        mounts.push_back(
            {{"name", cv.value("name", "")}, {"mountPath", cv["mountPath"]}, {"readOnly", true}});
      }
    }

    json tag = truthy(gw.value("tag", json())) ? gw["tag"] : v["global"]["tag"];
    std::string hub = gw.value("hub", "");
    if (hub.empty()) hub = getString(v, "global.hub");
    std::string variant = getString(v, "global.proxy.variant");
    if (variant.empty()) variant = getString(v, "global.variant");
    std::string proxyImage = getString(v, "global.proxy.image", "proxyv2");
    json container = {{"name", "istio-proxy"},
                      {"image", image(hub, proxyImage.empty() ? "proxyv2" : proxyImage, tag, variant)}};
    if (std::string pp = getString(v, "global.imagePullPolicy"); !pp.empty())
      container["imagePullPolicy"] = pp;
    container["ports"] = cports;
    container["args"] = args;
    if (!runAsRoot) {
      container["securityContext"] = {{"allowPrivilegeEscalation", false},
                                      {"capabilities", {{"drop", {"ALL"}}}},
                                      {"privileged", false},
                                      {"readOnlyRootFilesystem", true}};
    }
    container["readinessProbe"] = {
        {"failureThreshold", 30},
        {"httpGet", {{"path", "/healthz/ready"}, {"port", 15021}, {"scheme", "HTTP"}}},
        {"initialDelaySeconds", 1},
        {"periodSeconds", 2},
        {"successThreshold", 1},
        {"timeoutSeconds", 1}};
    container["resources"] =
        resources(truthy(gw.value("resources", json())) ? gw["resources"] : v["global"]["defaultResources"]);
    container["env"] = envs;
    container["volumeMounts"] = mounts;
    json containers = {container};
    for (const auto& c : gw.value("additionalContainers", json::array())) containers.push_back(c);
    podSpec["containers"] = containers;

    std::string trustBundle = getString(v, "global.trustBundleName");
    json volumes = {{{"emptyDir", json::object()}, {"name", "workload-socket"}},
                    {{"emptyDir", json::object()}, {"name", "credential-socket"}},
                    {{"emptyDir", json::object()}, {"name", "workload-certs"}}};
    if (istiodCerts) {
      volumes.push_back(
          {{"name", "istiod-ca-cert"},
           {"configMap", {{"name", trustBundle.empty() ? "istio-ca-root-cert" : trustBundle}}}});
    }
    volumes.push_back(
        {{"name", "podinfo"},
         {"downwardAPI",
          {{"items",
            {{{"path", "labels"}, {"fieldRef", {{"fieldPath", "metadata.labels"}}}},
             {{"path", "annotations"}, {"fieldRef", {{"fieldPath", "metadata.annotations"}}}}}}}}});
    volumes.push_back({{"name", "istio-envoy"}, {"emptyDir", json::object()}});
    volumes.push_back({{"name", "istio-data"}, {"emptyDir", json::object()}});
    volumes.push_back({{"name", "istio-token"},
                       {"projected",
                        {{"sources",
                          {{{"serviceAccountToken",
                             {{"path", "istio-token"},
                              {"expirationSeconds", 43200},
                              {"audience", getString(v, "global.sds.token.aud", "istio-ca")}}}}}}}}});
    if (getBool(v, "global.mountMtlsCerts")) {
      volumes.push_back(
          {{"name", "istio-certs"},
           {"secret", {{"secretName", "istio." + name + "-service-account"}, {"optional", true}}}});
    }
    volumes.push_back(
        {{"name", "config-volume"}, {"configMap", {{"name", "istio" + sfx}, {"optional", true}}}});
    for (const auto& sv : gw.value("secretVolumes", json::array())) {
      volumes.push_back({{"name", sv.value("name", "")},
                         {"secret", {{"secretName", sv.value("secretName", "")}, {"optional", true}}}});
    }
    for (const auto& cv : gw.value("configVolumes", json::array())) {
      volumes.push_back({{"name", cv.value("name", "")},
                         {"configMap", {{"name", cv.value("configMapName", "")}, {"optional", true}}}});
    }
    podSpec["volumes"] = volumes;
    // Node affinity from the gateway's nodeSelector (the chart's "nodeaffinity" helper).
    json required = json(nullptr);
    json nodeSelector = truthy(gw.value("nodeSelector", json()))
                            ? gw["nodeSelector"]
                            : getPath(v, "global.defaultNodeSelector").value_or(json::object());
    if (truthy(nodeSelector)) {
      json exprs = json::array();
      for (const auto& [k, val] : nodeSelector.items())
        exprs.push_back({{"key", k}, {"operator", "In"}, {"values", {scalarText(val)}}});
      required = {{"nodeSelectorTerms", {{{"matchExpressions", exprs}}}}};
    }
    podSpec["affinity"] = {{"nodeAffinity",
                            {{"requiredDuringSchedulingIgnoredDuringExecution", required},
                             {"preferredDuringSchedulingIgnoredDuringExecution", nullptr}}}};
    if (truthy(gw.value("tolerations", json()))) {
      podSpec["tolerations"] = gw["tolerations"];
    } else if (auto dt = getPath(v, "global.defaultTolerations"); dt && truthy(*dt)) {
      podSpec["tolerations"] = *dt;
    }

    json spec = json::object();
    const bool autoscale = truthy(gw.value("autoscaleEnabled", json()));
    if (!autoscale && truthy(gw.value("replicaCount", json()))) spec["replicas"] = gw["replicaCount"];
    spec["selector"] = {{"matchLabels", gwLabels}};
    spec["strategy"] = {{"rollingUpdate",
                         {{"maxSurge", gw.value("rollingMaxSurge", json("100%"))},
                          {"maxUnavailable", gw.value("rollingMaxUnavailable", json("25%"))}}}};
    spec["template"] = {{"metadata", {{"labels", podLabels}, {"annotations", podAnnotations}}},
                        {"spec", podSpec}};
    out.push_back({{"apiVersion", "apps/v1"},
                   {"kind", "Deployment"},
                   {"metadata", meta(name, ns, deployLabels)},
                   {"spec", spec}});

    if (autoscale && truthy(gw.value("autoscaleMin", json())) && truthy(gw.value("autoscaleMax", json()))) {
      out.push_back(
          {{"apiVersion", "autoscaling/v2"},
           {"kind", "HorizontalPodAutoscaler"},
           {"metadata", meta(name, ns, common)},
           {"spec",
            {{"maxReplicas", gw["autoscaleMax"]},
             {"minReplicas", gw["autoscaleMin"]},
             {"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", name}}},
             {"metrics",
              {{{"type", "Resource"},
                {"resource",
                 {{"name", "cpu"},
                  {"target",
                   {{"type", "Utilization"},
                    {"averageUtilization",
                     getPath(gw, "cpu.targetAverageUtilization").value_or(80)}}}}}}}}}}});
    }
    auto asInt = [](const json& j) { return j.is_number() ? j.get<long long>() : 0LL; };
    if (getBool(v, "global.defaultPodDisruptionBudget.enabled", true) &&
        ((autoscale && asInt(gw.value("autoscaleMin", json())) > 1) ||
         (!autoscale && asInt(gw.value("replicaCount", json())) > 1))) {
      out.push_back({{"apiVersion", "policy/v1"},
                     {"kind", "PodDisruptionBudget"},
                     {"metadata", meta(name, ns, common)},
                     {"spec", {{"minAvailable", 1}, {"selector", {{"matchLabels", gwLabels}}}}}});
    }
  }

  if (!gw.value("customService", false)) {
    json svcSpec = json::object();
    if (truthy(gw.value("loadBalancerIP", json()))) svcSpec["loadBalancerIP"] = gw["loadBalancerIP"];
    if (truthy(gw.value("loadBalancerSourceRanges", json())))
      svcSpec["loadBalancerSourceRanges"] = gw["loadBalancerSourceRanges"];
    if (truthy(gw.value("externalTrafficPolicy", json())))
      svcSpec["externalTrafficPolicy"] = gw["externalTrafficPolicy"];
    svcSpec["type"] = gw.value("type", json(ingress ? "LoadBalancer" : "ClusterIP"));
    svcSpec["selector"] = gwLabels;
    json svcPorts = ports;
    for (const auto& app : gw.value("ingressPorts", json::array())) {
      svcPorts.push_back({{"port", app.value("port", json())}, {"name", app.value("name", json())}});
    }
    svcSpec["ports"] = svcPorts;
    if (truthy(gw.value("ipFamilyPolicy", json()))) svcSpec["ipFamilyPolicy"] = gw["ipFamilyPolicy"];
    if (truthy(gw.value("ipFamilies", json()))) svcSpec["ipFamilies"] = gw["ipFamilies"];
    json svcMeta = meta(name, ns, common);
    json annotations = json::object();
    for (const auto& [k, val] : objectAt(gw, "serviceAnnotations").items()) annotations[k] = scalarText(val);
    svcMeta["annotations"] = annotations;
    out.push_back({{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", svcMeta}, {"spec", svcSpec}});
  }
  return out;
}

}  // namespace iop::reconcilers::detail
