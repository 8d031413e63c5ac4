// Default values of Istio's charts (the `_internal_defaults_do_not_set` blocks of each chart's
// values.yaml), limited to the keys iop's renderers read, and the Helm-side profiles that
// `values.profile` selects (files/profile-*.yaml, identical in every chart). Same Istio version
// as reconcilers/render/profiles/.
#include <map>

#include "base/yaml_json.h"
#include "reconcilers/render/render.h"
#include "reconcilers/render/render_internal.h"

namespace iop::reconcilers::detail {

using nlohmann::json;

namespace {

const char* kGlobals = R"(
global:
  istioNamespace: istio-system
  hub: registry.istio.io/testing
  tag: latest
  variant: ""
  imagePullPolicy: ""
  imagePullSecrets: []
  priorityClassName: ""
  logAsJson: false
  logging: {level: "default:info"}
  defaultPodDisruptionBudget: {enabled: true}
  defaultResources: {requests: {cpu: 10m}}
  resourceScope: all
  configValidation: true
  operatorManageWebhooks: false
  omitSidecarInjectorConfigMap: false
  pilotCertProvider: istiod
  caAddress: ""
  meshID: ""
  network: ""
  meshNetworks: {}
  multiCluster: {clusterName: ""}
  mountMtlsCerts: false
  sds: {token: {aud: istio-ca}}
  sts: {servicePort: 0}
  istiod: {enableAnalysis: false}
  proxy:
    image: proxyv2
    clusterDomain: cluster.local
    componentLogLevel: "misc:error"
    logLevel: warning
    autoInject: enabled
revision: ""
ownerName: ""
meshConfig:
  enablePrometheusMerge: true
)";

const char* kPilotValues = R"(
autoscaleEnabled: true
autoscaleMin: 1
autoscaleMax: 5
autoscaleBehavior: {}
replicaCount: 1
rollingMaxSurge: 100%
rollingMaxUnavailable: 25%
hub: ""
tag: ""
variant: ""
image: pilot
traceSampling: 1.0
resources: {requests: {cpu: 500m, memory: 2048Mi}}
env: {}
taint: {enabled: false, namespace: "", name: cni.istio.io/not-ready}
affinity: {}
tolerations: []
cpu: {targetAverageUtilization: 80}
memory: {}
volumeMounts: []
volumes: []
nodeSelector: {}
podAnnotations: {}
serviceAnnotations: {}
keepaliveMaxServerConnectionAge: 30m
deploymentLabels: {}
podLabels: {}
configMap: true
istiodRemote: {enabled: false, enabledLocalInjectorIstiod: false, injectionPath: /inject, injectionURL: "", injectionCABundle: ""}
sidecarInjectorWebhook:
  neverInjectSelector: []
  alwaysInjectSelector: []
  injectedAnnotations: {}
  enableNamespacesByDefault: false
  reinvocationPolicy: Never
  rewriteAppHTTPProbe: true
  templates: {}
  defaultTemplates: []
telemetry: {enabled: true, v2: {enabled: true, prometheus: {enabled: true}, stackdriver: {enabled: false}}}
base: {enableIstioConfigCRDs: true}
pdb: {minAvailable: 1, unhealthyPodEvictionPolicy: ""}
seccompProfile: {}
cni: {enabled: false, provider: default}
extraContainerArgs: []
envVarFrom: []
initContainers: []
serviceAccountAnnotations: {}
sidecarInjectorWebhookAnnotations: {}
topologySpreadConstraints: []
jwksResolverExtraRootCA: ""
deploymentAnnotations: {}
ipFamilyPolicy: ""
ipFamilies: []
trustedZtunnelNamespace: ""
trustedZtunnelName: ""
revisionTags: []
experimental: {stableValidationPolicy: false}
gateways: {securityContext: {}, seccompProfile: {}}
gatewayClasses: {}
global:
  logging: {level: "default:info"}
  certSigners: []
  nativeNftables: false
  networkPolicy: {enabled: false}
  remotePilotAddress: ""
  externalIstiod: false
  configCluster: false
  caName: ""
  proxy:
    excludeInboundPorts: ""
    includeInboundPorts: "*"
    includeIPRanges: "*"
    excludeIPRanges: ""
    includeOutboundPorts: ""
    excludeOutboundPorts: ""
    outlierLogPath: ""
    privileged: false
    seccompProfile: {}
    readinessFailureThreshold: 4
    readinessInitialDelaySeconds: 0
    readinessPeriodSeconds: 15
    startupProbe: {enabled: true, failureThreshold: 600}
    resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 2000m, memory: 1024Mi}}
    statusPort: 15020
    tracer: none
  proxy_init: {image: proxyv2, forceApplyIptables: false}
  waypoint:
    resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: "2", memory: 1Gi}}
    affinity: {}
    topologySpreadConstraints: []
    nodeSelector: {}
    tolerations: []
)";

const char* kGatewayValues = R"(
gateways:
  istio-ingressgateway:
    name: istio-ingressgateway
    labels: {app: istio-ingressgateway, istio: ingressgateway}
    ports:
    - {port: 15021, targetPort: 15021, name: status-port, protocol: TCP}
    - {port: 80, targetPort: 8080, name: http2, protocol: TCP}
    - {port: 443, targetPort: 8443, name: https, protocol: TCP}
    type: LoadBalancer
    secretVolumes:
    - {name: ingressgateway-certs, secretName: istio-ingressgateway-certs, mountPath: /etc/istio/ingressgateway-certs}
    - {name: ingressgateway-ca-certs, secretName: istio-ingressgateway-ca-certs, mountPath: /etc/istio/ingressgateway-ca-certs}
  istio-egressgateway:
    name: istio-egressgateway
    labels: {app: istio-egressgateway, istio: egressgateway}
    ports:
    - {port: 80, targetPort: 8080, name: http2, protocol: TCP}
    - {port: 443, targetPort: 8443, name: https, protocol: TCP}
    type: ClusterIP
    secretVolumes:
    - {name: egressgateway-certs, secretName: istio-egressgateway-certs, mountPath: /etc/istio/egressgateway-certs}
    - {name: egressgateway-ca-certs, secretName: istio-egressgateway-ca-certs, mountPath: /etc/istio/egressgateway-ca-certs}
meshConfig:
  trustDomain: cluster.local
global:
  defaultNodeSelector: {}
  defaultTolerations: []
)";

// Keys both gateway charts default identically.
const char* kGatewayCommonValues = R"(
rollingMaxSurge: 100%
rollingMaxUnavailable: 25%
autoscaleEnabled: true
autoscaleMin: 1
autoscaleMax: 5
cpu: {targetAverageUtilization: 80}
resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 2000m, memory: 1024Mi}}
loadBalancerIP: ""
loadBalancerSourceRanges: []
serviceAnnotations: {}
podAnnotations: {}
customService: false
externalTrafficPolicy: ""
ingressPorts: []
configVolumes: []
serviceAccount: {annotations: {}}
env: {}
nodeSelector: {}
tolerations: []
runAsRoot: false
injectionTemplate: ""
)";

const char* kCniValues = R"(
hub: ""
tag: ""
variant: ""
image: install-cni
pullPolicy: ""
logging: {level: ""}
cniBinDir: /opt/cni/bin
cniConfDir: /etc/cni/net.d
cniConfFileName: ""
cniNetnsDir: /var/run/netns
istioOwnedCNIConfigFileName: ""
istioOwnedCNIConfig: false
excludeNamespaces: [kube-system]
affinity: {}
daemonSetLabels: {}
podAnnotations: {}
podLabels: {}
chained: true
ambient:
  enabled: false
  enablementSelectors:
  - podSelector:
      matchLabels: {istio.io/dataplane-mode: ambient}
  - podSelector:
      matchExpressions:
      - {key: istio.io/dataplane-mode, operator: NotIn, values: [none]}
    namespaceSelector:
      matchLabels: {istio.io/dataplane-mode: ambient}
  dnsCapture: true
  ipv6: true
  reconcileIptablesOnStartup: true
  shareHostNetworkNamespace: false
  enableAmbientDetectionRetry: false
repair:
  enabled: true
  labelPods: false
  deletePods: false
  repairPods: true
  initContainerName: istio-validation
  brokenPodLabelKey: cni.istio.io/uninitialized
  brokenPodLabelValue: "true"
useAppArmorAnnotation: true
resources: {requests: {cpu: 100m, memory: 100Mi}}
resourceQuotas: {enabled: false, pods: 5000}
tolerations:
- {effect: NoSchedule, operator: Exists}
- {key: CriticalAddonsOnly, operator: Exists}
- {effect: NoExecute, operator: Exists}
updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}
terminationGracePeriodSeconds: 30
env: {}
global:
  logging: {level: info}
)";

const char* kBaseValues = R"(
global: {enableReaderRBAC: true}
base: {excludedCRDs: [], enableCRDTemplates: true, validationURL: "", enableIstioConfigCRDs: true}
defaultRevision: default
)";

const std::map<std::string, std::string> kChartProfiles = {
    {"demo", R"(
meshConfig:
  accessLogFile: /dev/stdout
  extensionProviders:
  - {name: otel, envoyOtelAls: {service: opentelemetry-collector.observability.svc.cluster.local, port: 4317}}
  - {name: skywalking, skywalking: {service: tracing.istio-system.svc.cluster.local, port: 11800}}
  - {name: otel-tracing, opentelemetry: {port: 4317, service: opentelemetry-collector.observability.svc.cluster.local}}
  - {name: jaeger, opentelemetry: {port: 4317, service: jaeger-collector.istio-system.svc.cluster.local}}
cni: {resources: {requests: {cpu: 10m, memory: 40Mi}}}
ztunnel: {resources: {requests: {cpu: 10m, memory: 40Mi}}}
global:
  proxy: {resources: {requests: {cpu: 10m, memory: 40Mi}}}
  waypoint: {resources: {requests: {cpu: 10m, memory: 40Mi}}}
pilot:
  autoscaleEnabled: false
  traceSampling: 100
  resources: {requests: {cpu: 10m, memory: 100Mi}}
gateways:
  istio-egressgateway:
    autoscaleEnabled: false
    resources: {requests: {cpu: 10m, memory: 40Mi}}
  istio-ingressgateway:
    autoscaleEnabled: false
    ports:
    - {port: 15021, targetPort: 15021, name: status-port}
    - {port: 80, targetPort: 8080, name: http2}
    - {port: 443, targetPort: 8443, name: https}
    - {port: 31400, targetPort: 31400, name: tcp}
    - {port: 15443, targetPort: 15443, name: tls}
    resources: {requests: {cpu: 10m, memory: 40Mi}}
)"},
    {"ambient", R"(
meshConfig:
  defaultConfig: {proxyMetadata: {ISTIO_META_ENABLE_HBONE: "true"}}
  serviceScopeConfigs:
  - servicesSelector: {matchExpressions: [{key: istio.io/global, operator: In, values: ["true"]}]}
    scope: GLOBAL
global: {variant: distroless}
pilot: {env: {PILOT_ENABLE_AMBIENT: "true"}}
cni: {ambient: {enabled: true}}
)"},
    {"preview", R"(
meshConfig:
  defaultConfig: {proxyMetadata: {ISTIO_META_DNS_CAPTURE: "true"}}
)"},
    {"remote", R"(
istiodRemote: {enabled: true}
configMap: false
telemetry: {enabled: false}
global: {omitSidecarInjectorConfigMap: true}
)"},
    {"stable", R"(
experimental: {stableValidationPolicy: true}
)"},
};

json parse(const char* yaml) {
  return iop::base::yamlDocumentsToJson(yaml).front();
}

}  // namespace

json chartDefaults(const std::string& component) {
  json v = parse(kGlobals);
  auto merge = [&v](const json& top) {
    for (auto& [k, val] : top.items()) {
      if (val.is_object() && v.contains(k) && v[k].is_object()) {
        v[k].update(val, true);
      } else {
        v[k] = val;
      }
    }
  };
  if (component == kPilot) {
    merge(parse(kPilotValues));
  } else if (component == kIngressGateways || component == kEgressGateways) {
    json gw = parse(kGatewayValues);
    json common = parse(kGatewayCommonValues);
    for (auto& [name, g] : gw["gateways"].items()) g.update(common);
    merge(gw);
  } else if (component == kCni) {
    merge(parse(kCniValues));
  } else if (component == kBase) {
    merge(parse(kBaseValues));
  }
  return v;
}

std::optional<json> chartProfileValues(const std::string& profile) {
  auto it = kChartProfiles.find(profile);
  if (it == kChartProfiles.end()) return std::nullopt;
  return parse(it->second.c_str());
}

}  // namespace iop::reconcilers::detail
