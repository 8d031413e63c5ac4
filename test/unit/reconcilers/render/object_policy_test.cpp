// What a CR may make iop write (issue 18, class 4): overlays cannot change what identifies an
// object, RBAC grants or webhook routing; pods meet --pod-security (baseline by default), Istio's
// node agents getting exactly what their charts need; objects stay in allowed namespaces. Every
// refusal names the setting or overlay responsible.
#include "reconcilers/render/object_policy.h"

#include <catch2/catch.hpp>

#include "base/yaml_json.h"
#include "test/unit/reconcilers/render/render_fixture.h"

using namespace iop::reconcilers;
using namespace iop::reconcilers::testing;
using nlohmann::json;

namespace {

// A CR in namespace `ns`; its components go to values.global.istioNamespace, istio-system.
std::string header(const std::string& ns = "istio-system") {
  return "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: t\n  namespace: " +
         ns + "\nspec:\n  profile: empty\n";
}

// A gateway CR with the given `k8s` block (YAML, indented under k8s:).
std::string gatewayCR(const std::string& k8s, const std::string& ns = "istio-system") {
  return header(ns) +
         "  components:\n    ingressGateways:\n    - name: gw\n      enabled: true\n      k8s:\n" + k8s;
}

std::string overlay(const std::string& kind, const std::string& name, const std::string& path,
                    const std::string& value) {
  return "        overlays:\n        - kind: " + kind + "\n          name: " + name +
         "\n          patches:\n          - path: " + path + "\n            value: " + value + "\n";
}

std::string errorsOf(const std::string& yaml, ObjectPolicy policy = {}) {
  RenderOptions options;
  options.iopVersion = "test";
  options.policy = policy;
  std::string out;
  for (const auto& e : render(cr(yaml), options).errors) out += e.str() + "\n";
  return out;
}

}  // namespace

TEST_CASE("overlays may not change an object's kind, name, namespace or ownership labels", "[policy]") {
  CHECK_THAT(errorsOf(gatewayCR(overlay("ConfigMap", "x", "kind", "Secret"))),
             Catch::Contains("no rendered ConfigMap"));
  CHECK_THAT(
      errorsOf(gatewayCR(overlay("Deployment", "gw", "kind", "Secret"))),
      Catch::Contains("spec.components.ingressGateways[0].k8s.overlays[0].patches[0].path: refused: \"kind\" "
                      "would change the object's kind"));
  CHECK_THAT(errorsOf(gatewayCR(overlay("Deployment", "gw", "metadata.name", "coredns"))),
             Catch::Contains("would change the object's name"));
  CHECK_THAT(errorsOf(gatewayCR(overlay("Deployment", "gw", "metadata.namespace", "kube-system"))),
             Catch::Contains("would change the object's namespace"));
  CHECK_THAT(errorsOf(gatewayCR(overlay("Deployment", "gw", "metadata.labels.istio\\.io/rev", "other"))),
             Catch::Contains("would change the ownership label istio.io/rev"));
  CHECK_THAT(errorsOf(gatewayCR(overlay("Deployment", "gw", "metadata", "{name: x}"))),
             Catch::Contains("whole metadata"));
  CHECK_THAT(
      errorsOf(gatewayCR(overlay("Deployment", "gw", "spec.template.spec.serviceAccountName", "istiod"))),
      Catch::Contains(
          "overlays[0].patches[0]: refused for Deployment istio-system/gw: overlays may not change "
          "spec.template.spec.serviceAccountName"));
  // What is not identity stays open to overlays.
  CHECK(errorsOf(gatewayCR(overlay("Deployment", "gw", "metadata.labels.team", "a"))).empty());
}

TEST_CASE("overlays may not change RBAC grants or webhook routing unless allowed", "[policy]") {
  const std::string base = header() + "  components:\n    pilot:\n      enabled: true\n      k8s:\n";
  const std::string roleRef = base + overlay("ClusterRoleBinding", "istiod-clusterrole-istio-system",
                                             "roleRef.name", "cluster-admin");
  CHECK_THAT(errorsOf(roleRef),
             Catch::Contains("spec.components.pilot.k8s.overlays[0].patches[0]: refused for "
                             "ClusterRoleBinding istiod-clusterrole-istio-system: overlays may not "
                             "change roleRef"));
  const std::string subjects = base + overlay("ClusterRoleBinding", "istiod-clusterrole-istio-system",
                                              "subjects.[0].name", "attacker");
  CHECK_THAT(errorsOf(subjects), Catch::Contains("may not change subjects"));
  const std::string url = base + overlay("MutatingWebhookConfiguration", "istio-sidecar-injector",
                                         "webhooks.[0].clientConfig.url", "https://evil.example/inject");
  CHECK_THAT(errorsOf(url), Catch::Contains("may not change webhooks"));
  ObjectPolicy open;
  open.allowRbacAndWebhookOverlays = true;
  CHECK(errorsOf(roleRef, open).empty());
  CHECK(errorsOf(url, open).empty());
}

TEST_CASE("pods meet baseline: privileges a setting or overlay adds are refused, naming it", "[policy]") {
  CHECK_THAT(
      errorsOf(gatewayCR(overlay("Deployment", "gw", "spec.template.spec.hostNetwork", "true"))),
      Catch::Contains("overlays[0].patches[0]: refused for Deployment istio-system/gw: "
                      "spec.template.spec.hostNetwork: sharing the host's namespaces is not allowed at "
                      "--pod-security=baseline"));
  CHECK_THAT(
      errorsOf(gatewayCR(overlay("Deployment", "gw",
                                 "spec.template.spec.containers.[0].securityContext.privileged", "true"))),
      Catch::Contains("privileged containers are not allowed"));
  // A volume appended by an overlay (k8s.volumes is accepted but, as in istioctl, not applied).
  CHECK_THAT(errorsOf(gatewayCR(overlay("Deployment", "gw", "spec.template.spec.volumes",
                                        "{name: root, hostPath: {path: /}}"))),
             Catch::Contains("spec.components.ingressGateways[0].k8s.overlays[0].patches[0]: refused for "
                             "Deployment istio-system/gw: spec.template.spec.volumes["));
  CHECK_THAT(errorsOf(gatewayCR(overlay("Deployment", "gw", "spec.template.spec.volumes",
                                        "{name: root, hostPath: {path: /}}"))),
             Catch::Contains("the host path \"/\" may not be mounted"));
  CHECK_THAT(errorsOf(gatewayCR(overlay("Deployment", "gw",
                                        "spec.template.spec.containers.[0].securityContext.capabilities.add",
                                        "[SYS_ADMIN]"))),
             Catch::Contains("adding the capability SYS_ADMIN is not allowed"));
  ObjectPolicy privileged;
  privileged.podSecurity = PodSecurityLevel::Privileged;
  CHECK(errorsOf(gatewayCR(overlay("Deployment", "gw", "spec.template.spec.hostNetwork", "true")), privileged)
            .empty());
}

TEST_CASE("objects go only into allowed namespaces", "[policy]") {
  // The operator's default: the CR's own namespace and istio-system.
  std::string yaml = header("tenant") +
                     "  components:\n    ingressGateways:\n    - name: gw\n      enabled: true\n"
                     "      namespace: kube-system\n";
  CHECK_THAT(errorsOf(yaml),
             Catch::Contains("would go into namespace \"kube-system\", which this operator does not allow "
                             "(allowed: istio-system, tenant"));
  ObjectPolicy any = ObjectPolicy::forCli();
  CHECK(errorsOf(yaml, any).empty());
  ObjectPolicy listed;
  listed.allowedNamespaces = {"kube-system"};
  CHECK(errorsOf(yaml, listed).empty());
}

TEST_CASE("an object two components render is refused", "[policy]") {
  // Validation refuses equal gateway names; render checks the objects themselves as well.
  std::string yaml = header() +
                     "  components:\n    ingressGateways:\n    - name: gw\n      enabled: true\n"
                     "    egressGateways:\n    - name: gw\n      enabled: true\n";
  IstioOperator op;
  op.name = "t";
  op.namespace_ = "istio-system";
  op.spec = iop::base::yamlDocumentsToJson(yaml)[0]["spec"];
  std::string all;
  for (const auto& e : render(op, {}).errors) all += e.str() + "\n";
  CHECK_THAT(all, Catch::Contains("Deployment istio-system/gw is rendered twice"));
}

// Istio's node agents, shaped as the pinned Istio's charts render them (istioctl manifest generate
// --set profile=ambient; manifests/charts/{istio-cni,ztunnel}/templates/daemonset.yaml): only the
// fields Pod Security Admission looks at.
json ztunnelDaemonSet() {
  return iop::base::yamlDocumentsToJson(R"(
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ztunnel, namespace: istio-system}
spec:
  template:
    metadata:
      annotations: {sidecar.istio.io/inject: "false"}
    spec:
      containers:
      - name: istio-proxy
        ports: [{containerPort: 15020, name: ztunnel-stats, protocol: TCP}]
        securityContext:
          allowPrivilegeEscalation: true
          capabilities: {add: [NET_ADMIN, SYS_ADMIN, NET_RAW], drop: [ALL]}
          privileged: false
          readOnlyRootFilesystem: true
          runAsGroup: 1337
          runAsNonRoot: false
          runAsUser: 0
      volumes:
      - {name: cni-ztunnel-sock-dir, hostPath: {path: /var/run/ztunnel, type: DirectoryOrCreate}}
)")[0];
}

TEST_CASE("Istio's node agents get exactly what their charts need at baseline", "[policy]") {
  // istio-cni as iop renders the pinned chart (its security context, volumes and annotations).
  auto rendered = renderYaml(header() + "  components:\n    cni:\n      enabled: true\n");
  const json& cni = object(rendered, "DaemonSet", "istio-cni-node");
  CHECK(podSecurityViolations(cni, PodSecurityLevel::Baseline, "Cni").empty());
  // The same DaemonSet as any other component's would be refused: the exemption is the agent's.
  CHECK_FALSE(podSecurityViolations(cni, PodSecurityLevel::Baseline, "").empty());
  CHECK(podSecurityViolations(ztunnelDaemonSet(), PodSecurityLevel::Baseline, "Ztunnel").empty());

  // Beyond what the chart renders, nothing more: another capability, another host path, privileged.
  json more = ztunnelDaemonSet();
  more["spec"]["template"]["spec"]["containers"][0]["securityContext"]["capabilities"]["add"].push_back(
      "SYS_MODULE");
  CHECK_THAT(podSecurityViolations(more, PodSecurityLevel::Baseline, "Ztunnel").at(0),
             Catch::Contains("SYS_MODULE"));
  json root = ztunnelDaemonSet();
  root["spec"]["template"]["spec"]["volumes"][0]["hostPath"]["path"] = "/";
  CHECK_THAT(podSecurityViolations(root, PodSecurityLevel::Baseline, "Ztunnel").at(0),
             Catch::Contains("the host path \"/\" may not be mounted"));
  json priv = ztunnelDaemonSet();
  priv["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  CHECK_FALSE(podSecurityViolations(priv, PodSecurityLevel::Baseline, "Ztunnel").empty());
  // A cniBinDir the charts never use is a value, not a chart need: refused.
  auto rootBin =
      render(cr(header() +
                "  components:\n    cni:\n      enabled: true\n  values:\n    cni:\n      cniBinDir: /\n"),
             {.iopVersion = "test"});
  std::string all;
  for (const auto& e : rootBin.errors) all += e.str() + "\n";
  CHECK_THAT(all, Catch::Contains("the host path \"/\" may not be mounted"));
  CHECK_THAT(all, Catch::Contains("rendered from the CR's values"));
}

TEST_CASE("restricted holds pods to the restricted standard, node agents to baseline", "[policy]") {
  auto rendered =
      renderYaml(header() + "  components:\n    ingressGateways:\n    - name: gw\n      enabled: true\n");
  const json& gw = object(rendered, "Deployment", "gw");
  CHECK(podSecurityViolations(gw, PodSecurityLevel::Baseline, "").empty());
  auto strict = podSecurityViolations(gw, PodSecurityLevel::Restricted, "");
  std::string all;
  for (const auto& v : strict) all += v + "\n";
  CHECK_THAT(all, Catch::Contains("seccompProfile.type: must be RuntimeDefault or Localhost"));
  CHECK(podSecurityViolations(ztunnelDaemonSet(), PodSecurityLevel::Restricted, "Ztunnel").empty());
}

TEST_CASE("what Istio's own charts render for every profile and platform meets the operator's default policy",
          "[policy][charts]") {
  // The compiled-in charts of the pinned Istio, through render() itself with the operator's
  // policy (baseline, no RBAC/webhook overlays, the CR's namespace and istio-system): a profile
  // that puts no component elsewhere renders without a refusal. (The openshift profiles put
  // istio-cni and ztunnel in kube-system: an operator allows that namespace explicitly.)
  int workloads = 0;
  for (const std::string profile : {"default", "demo", "minimal", "preview", "stable", "ambient"}) {
    // (Not openshift: its istio-cni puts a NetworkAttachmentDefinition in "default", which an
    // operator must allow with --allowed-namespaces.)
    for (const std::string platform : {"", "gke", "k3d", "k3s", "microk8s", "minikube"}) {
      std::string yaml =
          "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: t\n"
          "  namespace: istio-system\nspec:\n  profile: " +
          profile + "\n";
      // The node agents too, in sidecar mode (ambient enables them itself).
      if (profile != "ambient") yaml += "  components:\n    cni:\n      enabled: true\n";
      if (!platform.empty()) yaml += "  values:\n    global:\n      platform: " + platform + "\n";
      const std::string errors = errorsOf(yaml);
      INFO(profile << " on platform \"" << platform << "\": " << errors);
      CHECK(errors.empty());
      if (platform.empty()) {
        auto rendered = renderYaml(yaml);
        for (const auto& o : rendered.objects)
          workloads +=
              o.object.value("kind", "") == "Deployment" || o.object.value("kind", "") == "DaemonSet";
      }
    }
  }
  CHECK(workloads >= 15);  // istiod, gateways, istio-cni-node, ztunnel across the profiles
  // The ztunnel the charts render is the one the exemption above is written for.
  auto ambient = renderYaml(header() + "  components:\n    ztunnel:\n      enabled: true\n");
  CHECK(podSecurityViolations(object(ambient, "DaemonSet", "ztunnel"), PodSecurityLevel::Baseline, "Ztunnel")
            .empty());
  CHECK_FALSE(
      podSecurityViolations(object(ambient, "DaemonSet", "ztunnel"), PodSecurityLevel::Baseline, "").empty());
}
