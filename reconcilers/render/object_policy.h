#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "reconcilers/api/field_error.h"
#include "reconcilers/api/istio_operator.h"

// What a CR may make iop write, whatever its values, `k8s` settings and overlays say. Whoever
// may create an IstioOperator in a watched namespace must not become cluster-admin through it:
// the operator runs with wide RBAC, so every rendered object is checked before anything is
// applied. The checks are pure functions over a component's objects as its chart rendered
// them ("chart objects") and as the CR's `k8s` settings and overlays left them ("final"), so a
// refusal can say which setting or overlay asked for what.
namespace iop::reconcilers {

// Pod Security Admission's levels (https://kubernetes.io/docs/concepts/security/pod-security-standards/).
enum class PodSecurityLevel { Privileged, Baseline, Restricted };

// "privileged", "baseline", "restricted" -> the level; false for anything else.
bool parsePodSecurityLevel(const std::string& text, PodSecurityLevel& level);
std::string podSecurityLevelName(PodSecurityLevel level);

struct ObjectPolicy {
  // Pod templates (Deployments, DaemonSets) must meet this level. Istio's node agents need
  // more than baseline and get exactly that, no more (see object_policy.cpp):
  // istio-cni-node's install-cni and ztunnel's istio-proxy containers.
  PodSecurityLevel podSecurity = PodSecurityLevel::Baseline;
  // Namespaces objects may go into. Empty: the CR's own namespace and istio-system (where
  // Istio's components live unless told otherwise). "*" allows any.
  std::set<std::string> allowedNamespaces;
  // Whether overlays may change what RBAC objects grant (roleRef, subjects, rules,
  // aggregationRule) and where admission webhooks send what (clientConfig, rules, selectors,
  // matchConditions), and admission policies' specs. Off: a CR cannot grant itself roles nor
  // route other workloads' admission through a server of its choosing.
  bool allowRbacAndWebhookOverlays = false;

  // For the CLI (`iop install`, `manifest generate`): the user acts with their own
  // credentials, so namespaces are not bounded; pod security and overlays are as for the
  // operator, so the same CR behaves the same way everywhere.
  static ObjectPolicy forCli();
};

// Checks one component instance's final objects against `policy`, appending one error per
// refusal: the field path of the CR setting or overlay responsible when there is one (a
// `k8s` setting, an overlay patch), else the object and field (what values made the chart
// render). `chartObjects` are the same objects before `k8s` settings and overlays, in the
// same order; empty when the component has neither (then nothing can have changed).
// Also refuses overlays that changed an object's identity (apiVersion, kind, name,
// namespace) or iop's ownership labels, whatever path they used. Pure; thread-safe.
// `earlier` are the objects of the components rendered before this one: an object both
// render (two gateways of one name and namespace, ingress and egress) is refused, since each
// write would undo the other's on every reconcile.
void checkObjectPolicy(const IstioOperator& iop, const ComponentSpec& spec,
                       const std::vector<nlohmann::json>& chartObjects,
                       const std::vector<nlohmann::json>& final,
                       const std::vector<const nlohmann::json*>& earlier, const ObjectPolicy& policy,
                       FieldErrors& errors);
template <typename Rendered>  // RenderedObject (render.h)
void checkObjectPolicy(const IstioOperator& iop, const ComponentSpec& spec,
                       const std::vector<nlohmann::json>& chartObjects,
                       const std::vector<nlohmann::json>& final, const std::vector<Rendered>& earlier,
                       const ObjectPolicy& policy, FieldErrors& errors) {
  std::vector<const nlohmann::json*> others;
  for (const auto& r : earlier) others.push_back(&r.object);
  checkObjectPolicy(iop, spec, chartObjects, final, others, policy, errors);
}

// The pod-security problems of one workload object (Deployment, DaemonSet, ...): each is
// "<field path in the object>: <why>". `exemptNodeAgent` lets Istio's node agents have what
// their charts give them. Exposed for tests.
std::vector<std::string> podSecurityViolations(const nlohmann::json& object, PodSecurityLevel level,
                                               const std::string& component);

}  // namespace iop::reconcilers
