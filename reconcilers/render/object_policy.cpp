#include "reconcilers/render/object_policy.h"

#include <algorithm>
#include <map>

#include "reconcilers/api/json_tree.h"
#include "reconcilers/api/labels.h"

namespace iop::reconcilers {

using nlohmann::json;

namespace {

// Pod Security Standards, baseline: capabilities a container may add.
const std::set<std::string> kBaselineCapabilities = {
    "AUDIT_WRITE",      "CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",      "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT"};
const std::set<std::string> kBaselineSeLinuxTypes = {"", "container_t", "container_init_t", "container_kvm_t",
                                                     "container_engine_t"};
const std::set<std::string> kSafeSysctls = {
    "kernel.shm_rmid_forced",       "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",      "net.ipv4.ping_group_range",    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",  "net.ipv4.tcp_fin_timeout",     "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes"};
// Restricted: the only volume types allowed.
const std::set<std::string> kRestrictedVolumeTypes = {"configMap", "csi",       "downwardAPI",
                                                      "emptyDir",  "ephemeral", "persistentVolumeClaim",
                                                      "projected", "secret"};

// What Istio's node agents need beyond baseline, exactly as the pinned Istio's charts render
// them (manifests/charts/istio-cni/templates/daemonset.yaml, manifests/charts/ztunnel/
// templates/daemonset.yaml, and the platform profiles' directories in
// manifests/charts/*/files/profile-platform-*.yaml). Nothing else gets an exemption, and only
// the named container of the named component's DaemonSet has it.
struct NodeAgent {
  const char* component;  // render's component name (components.h: kCni, kZtunnel)
  const char* container;
  std::set<std::string> capabilities;
  // hostPath volume name -> the host paths the chart puts there (defaults and platforms).
  std::map<std::string, std::set<std::string>> hostPaths;
  bool hostNetwork;  // istio-cni with ambient.shareHostNetworkNamespace
  bool unconfinedAppArmor;
  std::string seLinuxType;  // OpenShift's profile: spc_t
};

const std::vector<NodeAgent>& nodeAgents() {
  static const std::vector<NodeAgent> agents = {
      {"Cni",
       "install-cni",
       {"NET_ADMIN", "NET_RAW", "SYS_PTRACE", "SYS_ADMIN"},
       {{"cni-bin-dir",
         {"/opt/cni/bin", "/home/kubernetes/bin", "/bin", "/var/lib/rancher/k3s/data/cni",
          "/var/snap/microk8s/current/opt/cni/bin", "/var/lib/cni/bin"}},
        {"cni-net-dir",
         {"/etc/cni/net.d", "/var/lib/rancher/k3s/agent/etc/cni/net.d",
          "/var/snap/microk8s/current/args/cni-network", "/etc/cni/multus/net.d"}},
        {"cni-netns-dir", {"/var/run/netns", "/var/run/docker/netns"}},
        {"cni-host-procfs", {"/proc"}},
        {"cni-ztunnel-sock-dir", {"/var/run/ztunnel"}},
        {"cni-socket-dir", {"/var/run/istio-cni"}}},
       true,
       true,
       "spc_t"},
      {"Ztunnel",
       "istio-proxy",
       {"NET_ADMIN", "SYS_ADMIN", "NET_RAW"},
       {{"cni-ztunnel-sock-dir", {"/var/run/ztunnel"}}},
       false,
       false,
       "spc_t"},
  };
  return agents;
}

const NodeAgent* nodeAgentFor(const json& object, const std::string& component) {
  if (object.value("kind", "") != "DaemonSet") return nullptr;
  for (const auto& a : nodeAgents())
    if (component == a.component) return &a;
  return nullptr;
}

// The pod spec inside a workload object, and its path; null when the object has none.
const json* podSpecOf(const json& object, std::string& path) {
  const std::string kind = object.value("kind", "");
  if (kind == "Pod") {
    path = "spec";
  } else if (kind == "CronJob") {
    path = "spec.jobTemplate.spec.template.spec";
  } else {
    path = "spec.template.spec";
  }
  const json* cur = &object;
  for (const auto& seg : splitPath(path)) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(seg);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur->is_object() ? cur : nullptr;
}

bool isTrue(const json& obj, const char* key) {
  if (!obj.is_object()) return false;
  auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}

std::string str(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

const json& field(const json& obj, const char* key) {
  static const json null;
  if (!obj.is_object()) return null;
  auto it = obj.find(key);
  return it == obj.end() ? null : *it;
}

class PodChecker {
 public:
  PodChecker(PodSecurityLevel level, const NodeAgent* agent, std::vector<std::string>& out)
      : level_(level), agent_(agent), out_(out) {}

  void pod(const json& spec, const json& templateMeta, const std::string& path) {
    for (const char* ns : {"hostNetwork", "hostPID", "hostIPC"}) {
      if (!isTrue(spec, ns)) continue;
      if (std::string(ns) == "hostNetwork" && agent_ && agent_->hostNetwork) continue;
      say(path + "." + ns, "sharing the host's namespaces is not allowed");
    }
    const json& sc = field(spec, "securityContext");
    securityContext(sc, path + ".securityContext", nullptr);
    for (const auto& s : field(sc, "sysctls").is_array() ? field(sc, "sysctls") : json::array()) {
      std::string name = str(s, "name");
      if (!kSafeSysctls.count(name))
        say(path + ".securityContext.sysctls", "the sysctl \"" + name + "\" is not safe");
    }
    const json& volumes = field(spec, "volumes");
    if (volumes.is_array()) {
      for (std::size_t i = 0; i < volumes.size(); ++i)
        volume(volumes[i], path + ".volumes[" + std::to_string(i) + "]");
    }
    for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
      const json& cs = field(spec, list);
      if (!cs.is_array()) continue;
      for (std::size_t i = 0; i < cs.size(); ++i)
        container(cs[i], sc, path + "." + list + "[" + std::to_string(i) + "]");
    }
    const json& annotations = field(templateMeta, "annotations");
    if (annotations.is_object()) {
      static const std::string kAppArmor = "container.apparmor.security.beta.kubernetes.io/";
      for (const auto& [k, v] : annotations.items()) {
        if (k.rfind(kAppArmor, 0) != 0 || !v.is_string()) continue;
        const std::string value = v.get<std::string>();
        if (value == "runtime/default" || value.rfind("localhost/", 0) == 0) continue;
        if (agent_ && agent_->unconfinedAppArmor && k == kAppArmor + agent_->container &&
            value == "unconfined")
          continue;
        say((path == "spec" ? std::string("metadata") : path.substr(0, path.rfind(".spec")) + ".metadata") +
                ".annotations." + k,
            "the AppArmor profile \"" + value + "\" is not allowed");
      }
    }
  }

 private:
  void say(const std::string& where, const std::string& why) {
    out_.push_back(where + ": " + why + " at --pod-security=" + podSecurityLevelName(level_));
  }

  bool agentContainer(const json& c) const { return agent_ && str(c, "name") == agent_->container; }

  void securityContext(const json& sc, const std::string& path, const json* container) {
    if (!sc.is_object()) return;
    const bool agent = container && agentContainer(*container);
    if (isTrue(field(sc, "windowsOptions"), "hostProcess"))
      say(path + ".windowsOptions.hostProcess", "Windows host processes are not allowed");
    const json& se = field(sc, "seLinuxOptions");
    if (se.is_object()) {
      const std::string type = str(se, "type");
      bool agentType = agent_ && type == agent_->seLinuxType && (container == nullptr || agent);
      if (!kBaselineSeLinuxTypes.count(type) && !agentType)
        say(path + ".seLinuxOptions.type", "the SELinux type \"" + type + "\" is not allowed");
      if (!str(se, "user").empty())
        say(path + ".seLinuxOptions.user", "setting the SELinux user is not allowed");
      if (!str(se, "role").empty())
        say(path + ".seLinuxOptions.role", "setting the SELinux role is not allowed");
    }
    if (str(field(sc, "seccompProfile"), "type") == "Unconfined")
      say(path + ".seccompProfile.type", "an unconfined seccomp profile is not allowed");
    if (str(field(sc, "appArmorProfile"), "type") == "Unconfined" && !(agent && agent_->unconfinedAppArmor))
      say(path + ".appArmorProfile.type", "an unconfined AppArmor profile is not allowed");
  }

  void volume(const json& v, const std::string& path) {
    if (!v.is_object()) return;
    if (v.contains("hostPath")) {
      const std::string name = str(v, "name");
      const std::string hostPath = str(field(v, "hostPath"), "path");
      bool exempt = false;
      if (agent_) {
        auto it = agent_->hostPaths.find(name);
        exempt = it != agent_->hostPaths.end() && it->second.count(hostPath);
      }
      if (!exempt) say(path + ".hostPath", "the host path \"" + hostPath + "\" may not be mounted");
      return;
    }
    if (level_ != PodSecurityLevel::Restricted) return;
    for (const auto& [k, _] : v.items()) {
      if (k != "name" && !kRestrictedVolumeTypes.count(k))
        say(path + "." + k, "the volume type " + k + " is not allowed");
    }
  }

  void container(const json& c, const json& podSc, const std::string& path) {
    if (!c.is_object()) return;
    const bool agent = agentContainer(c);
    const json& sc = field(c, "securityContext");
    securityContext(sc, path + ".securityContext", &c);
    if (isTrue(sc, "privileged"))
      say(path + ".securityContext.privileged", "privileged containers are not allowed");
    if (!str(sc, "procMount").empty() && str(sc, "procMount") != "Default")
      say(path + ".securityContext.procMount", "a non-default /proc mount is not allowed");
    const json& add = field(field(sc, "capabilities"), "add");
    if (add.is_array()) {
      for (const auto& cap : add) {
        std::string name = cap.is_string() ? cap.get<std::string>() : cap.dump();
        if (name.rfind("CAP_", 0) == 0) name = name.substr(4);
        if (agent && agent_->capabilities.count(name)) continue;
        bool allowed = level_ == PodSecurityLevel::Restricted && !agent
                           ? name == "NET_BIND_SERVICE"
                           : kBaselineCapabilities.count(name) > 0;
        if (!allowed)
          say(path + ".securityContext.capabilities.add",
              "adding the capability " + name + " is not allowed");
      }
    }
    const json& ports = field(c, "ports");
    if (ports.is_array()) {
      for (std::size_t i = 0; i < ports.size(); ++i) {
        const json& hp = field(ports[i], "hostPort");
        if (hp.is_number() && hp.get<double>() != 0)
          say(path + ".ports[" + std::to_string(i) + "].hostPort", "host ports are not allowed");
      }
    }
    // Node agents cannot meet restricted by design (they run as root with capabilities): they
    // are held to baseline and their exemptions.
    if (level_ != PodSecurityLevel::Restricted || agent) return;
    if (!sc.is_object() || !field(sc, "allowPrivilegeEscalation").is_boolean() ||
        field(sc, "allowPrivilegeEscalation").get<bool>())
      say(path + ".securityContext.allowPrivilegeEscalation", "must be false");
    const json& nonRoot =
        field(sc, "runAsNonRoot").is_boolean() ? field(sc, "runAsNonRoot") : field(podSc, "runAsNonRoot");
    if (!nonRoot.is_boolean() || !nonRoot.get<bool>())
      say(path + ".securityContext.runAsNonRoot", "must be true");
    const json& user =
        field(sc, "runAsUser").is_number() ? field(sc, "runAsUser") : field(podSc, "runAsUser");
    if (user.is_number() && user.get<double>() == 0)
      say(path + ".securityContext.runAsUser", "must not be 0 (root)");
    std::string seccomp = str(field(sc, "seccompProfile"), "type");
    if (seccomp.empty()) seccomp = str(field(podSc, "seccompProfile"), "type");
    if (seccomp != "RuntimeDefault" && seccomp != "Localhost")
      say(path + ".securityContext.seccompProfile.type", "must be RuntimeDefault or Localhost");
    bool dropsAll = false;
    const json& drop = field(field(sc, "capabilities"), "drop");
    if (drop.is_array())
      for (const auto& d : drop) dropsAll |= d == "ALL";
    if (!dropsAll) say(path + ".securityContext.capabilities.drop", "must include ALL");
  }

  PodSecurityLevel level_;
  const NodeAgent* agent_;
  std::vector<std::string>& out_;
};

std::string describe(const json& o) {
  const json& meta = field(o, "metadata");
  std::string ns = str(meta, "namespace");
  return o.value("kind", "") + " " + (ns.empty() ? "" : ns + "/") + str(meta, "name");
}

// Whether two overlay-style paths touch: one is a prefix of the other, any "[...]" segment
// matching any other (an index and a selector may name the same element).
bool touches(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    const bool la = !a[i].empty() && a[i].front() == '[', lb = !b[i].empty() && b[i].front() == '[';
    if (la != lb || (!la && a[i] != b[i])) return false;
  }
  return true;
}

// "spec.template.spec.volumes[2].hostPath: why" -> the path's segments.
std::vector<std::string> violationPath(const std::string& violation) {
  return splitPath(violation.substr(0, violation.find(": ")));
}

// The CR settings that may have put `fieldPath` into `object`: overlay patches on it whose
// path touches the field, and the `k8s` settings that write that part of a pod.
std::vector<std::string> responsible(const ComponentSpec& spec, const json& object,
                                     const std::vector<std::string>& fieldPath) {
  std::vector<std::string> out;
  const std::string base = spec.specPath + ".k8s";
  auto within = [&](const char* prefix) { return touches(splitPath(prefix), fieldPath); };
  for (const char* setting : {"securityContext", "volumes", "volumeMounts", "podAnnotations"}) {
    if (!spec.k8s.contains(setting) || spec.k8s[setting].is_null()) continue;
    const std::string s = setting;
    if ((s == "securityContext" && within("spec.template.spec.securityContext")) ||
        (s == "volumes" && within("spec.template.spec.volumes")) ||
        (s == "volumeMounts" && within("spec.template.spec.containers")) ||
        (s == "podAnnotations" && within("spec.template.metadata.annotations")))
      out.push_back(base + "." + s);
  }
  const json& overlays = field(spec.k8s, "overlays");
  if (!overlays.is_array()) return out;
  for (std::size_t o = 0; o < overlays.size(); ++o) {
    const json& ov = overlays[o];
    if (str(ov, "kind") != object.value("kind", "") ||
        str(ov, "name") != str(field(object, "metadata"), "name"))
      continue;
    const json& patches = field(ov, "patches");
    if (!patches.is_array()) continue;
    for (std::size_t p = 0; p < patches.size(); ++p) {
      if (touches(splitPath(str(patches[p], "path")), fieldPath))
        out.push_back(base + ".overlays[" + std::to_string(o) + "].patches[" + std::to_string(p) + "]");
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// Reports a refusal at the setting responsible, or at the component when values did it.
void refuse(FieldErrors& errors, const ComponentSpec& spec, const json& object,
            const std::vector<std::string>& by, const std::string& what) {
  if (by.empty()) {
    errors.push_back({spec.specPath, describe(object) + " " + what});
    return;
  }
  std::string also;
  if (by.size() > 1) also = " (also " + joined(std::vector<std::string>(by.begin() + 1, by.end())) + ")";
  errors.push_back({by.front(), "refused for " + describe(object) + ": " + what + also});
}

// What identifies an object and its owner: no overlay may change it.
json identity(const json& o) {
  const json& meta = field(o, "metadata");
  json id = {{"apiVersion", field(o, "apiVersion")},
             {"kind", field(o, "kind")},
             {"metadata.name", field(meta, "name")},
             {"metadata.namespace", field(meta, "namespace")}};
  const json& labels = field(meta, "labels");
  for (const char* key : {kManagedLabel, kOwningResourceLabel, kOwningNamespaceLabel, kComponentLabel,
                          kVersionLabel, kRevisionLabel})
    id[std::string("metadata.labels.") + key] = field(labels, key);
  id["spec.template.spec.serviceAccountName"] =
      field(field(field(field(o, "spec"), "template"), "spec"), "serviceAccountName");
  id["spec.template.spec.serviceAccount"] =
      field(field(field(field(o, "spec"), "template"), "spec"), "serviceAccount");
  return id;
}

// The parts of RBAC objects, webhooks and admission policies that say who gets which rights
// and where admission requests go.
json grants(const json& o) {
  const std::string kind = o.value("kind", "");
  if (kind == "ClusterRole" || kind == "Role")
    return {{"rules", field(o, "rules")}, {"aggregationRule", field(o, "aggregationRule")}};
  if (kind == "ClusterRoleBinding" || kind == "RoleBinding")
    return {{"roleRef", field(o, "roleRef")}, {"subjects", field(o, "subjects")}};
  if (kind == "MutatingWebhookConfiguration" || kind == "ValidatingWebhookConfiguration") {
    json out = json::array();
    const json& hooks = field(o, "webhooks");
    if (hooks.is_array()) {
      for (const auto& h : hooks) {
        json g = json::object();
        for (const char* k : {"name", "clientConfig", "rules", "namespaceSelector", "objectSelector",
                              "matchConditions", "matchPolicy", "reinvocationPolicy", "failurePolicy"})
          g[k] = field(h, k);
        // The CA bundle is istiod's to patch at run time, not a grant.
        if (g["clientConfig"].is_object()) g["clientConfig"].erase("caBundle");
        out.push_back(g);
      }
    } else {
      out = hooks;
    }
    return {{"webhooks", out}};
  }
  if (kind == "ValidatingAdmissionPolicy" || kind == "ValidatingAdmissionPolicyBinding" ||
      kind == "MutatingAdmissionPolicy" || kind == "MutatingAdmissionPolicyBinding")
    return {{"spec", field(o, "spec")}};
  return nullptr;
}

// The first key of two flat objects whose values differ.
std::string firstDifference(const json& a, const json& b) {
  for (const auto& [k, v] : a.items())
    if (!b.contains(k) || b[k] != v) return k;
  for (const auto& [k, v] : b.items())
    if (!a.contains(k)) return k;
  return "";
}

// render's component name of a CR component path: "spec.components.cni" -> "Cni".
std::string componentOf(const std::string& specPath) {
  if (specPath == "spec.components.cni") return "Cni";
  if (specPath == "spec.components.ztunnel") return "Ztunnel";
  return "";
}

}  // namespace

bool parsePodSecurityLevel(const std::string& text, PodSecurityLevel& level) {
  if (text == "privileged")
    level = PodSecurityLevel::Privileged;
  else if (text == "baseline")
    level = PodSecurityLevel::Baseline;
  else if (text == "restricted")
    level = PodSecurityLevel::Restricted;
  else
    return false;
  return true;
}

std::string podSecurityLevelName(PodSecurityLevel level) {
  switch (level) {
    case PodSecurityLevel::Privileged:
      return "privileged";
    case PodSecurityLevel::Baseline:
      return "baseline";
    case PodSecurityLevel::Restricted:
      return "restricted";
  }
  return "baseline";
}

ObjectPolicy ObjectPolicy::forCli() {
  ObjectPolicy p;
  p.allowedNamespaces = {"*"};
  return p;
}

std::vector<std::string> podSecurityViolations(const json& object, PodSecurityLevel level,
                                               const std::string& component) {
  std::vector<std::string> out;
  if (level == PodSecurityLevel::Privileged || !object.is_object()) return out;
  std::string path;
  const json* spec = podSpecOf(object, path);
  if (!spec) return out;
  const std::string metaPath =
      path == "spec" ? "metadata" : path.substr(0, path.rfind(".spec")) + ".metadata";
  const json* meta = &object;
  for (const auto& seg : splitPath(metaPath)) meta = &field(*meta, seg.c_str());
  PodChecker(level, nodeAgentFor(object, component), out).pod(*spec, *meta, path);
  return out;
}

void checkObjectPolicy(const IstioOperator& iop, const ComponentSpec& spec,
                       const std::vector<json>& chartObjects, const std::vector<json>& final,
                       const std::vector<const json*>& earlier, const ObjectPolicy& policy,
                       FieldErrors& errors) {
  const bool compare = chartObjects.size() == final.size();
  std::set<std::string> seen;
  for (const json* o : earlier) seen.insert(describe(*o));
  for (const auto& o : final) {
    if (!seen.insert(describe(o)).second)
      errors.push_back({spec.specPath, describe(o) +
                                           " is rendered twice (by this component and another, or "
                                           "twice here): give each gateway its own name or namespace"});
  }
  std::set<std::string> allowed = policy.allowedNamespaces;
  if (allowed.empty()) allowed = {iop.namespace_.empty() ? "istio-system" : iop.namespace_, "istio-system"};
  for (std::size_t i = 0; i < final.size(); ++i) {
    const json& o = final[i];
    const json* before = compare ? &chartObjects[i] : nullptr;
    const std::string component = componentOf(spec.specPath);

    if (before) {
      const json was = identity(*before), now = identity(o);
      if (was != now) {
        const std::string changed = firstDifference(was, now);
        refuse(errors, spec, *before, responsible(spec, *before, splitPath(changed)),
               "overlays may not change " + changed +
                   " (an object's identity, its owner and the account its pods run as are iop's)");
        continue;
      }
      if (!policy.allowRbacAndWebhookOverlays) {
        const json g0 = grants(*before), g1 = grants(o);
        if (!g0.is_null() && g0 != g1) {
          const std::string changed = firstDifference(g0, g1);
          refuse(errors, spec, o, responsible(spec, o, splitPath(changed)),
                 "overlays may not change " + changed +
                     " (what RBAC grants and where admission requests go); the operator allows it only when "
                     "started with --allow-rbac-webhook-overlays");
        }
      }
    }

    const std::string ns = str(field(o, "metadata"), "namespace");
    if (!ns.empty() && !allowed.count("*") && !allowed.count(ns)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      auto commaList = [](std::set<std::string> names, const std::string& more) {
        names.insert(more);
        std::string out;
        for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
        return out;
      };
      errors.push_back({spec.specPath, describe(o) + " would go into namespace \"" + ns +
                                           "\", which this operator does not allow (allowed: " + list +
                                           "; to allow it, run the operator with --allowed-namespaces=" +
                                           commaList(allowed, ns) +
                                           ": `iop operator init --allowed-namespaces`, Helm value "
                                           "policy.allowedNamespaces)"});
    }

    std::vector<std::string> was;
    if (before) was = podSecurityViolations(*before, policy.podSecurity, component);
    for (const auto& v : podSecurityViolations(o, policy.podSecurity, component)) {
      const bool fromChart = !before || std::find(was.begin(), was.end(), v) != was.end();
      std::vector<std::string> by;
      if (!fromChart) by = responsible(spec, o, violationPath(v));
      refuse(errors, spec, o, by,
             v + (fromChart ? " (rendered from the CR's values; the operator allows it only with "
                              "--pod-security=privileged)"
                            : ""));
    }
  }
}

}  // namespace iop::reconcilers
