#include "cmd/policy_flags.h"

#include <iostream>

#include "reconcilers/api/names.h"

namespace iop::cmd {

void addPolicyFlags(CLI::App& app, PolicyFlags& flags, bool operatorDefaults) {
  app.add_option("--pod-security", flags.podSecurity,
                 "Pod Security Standard the rendered workloads must meet: privileged, baseline or restricted "
                 "(Istio's node agents, istio-cni and ztunnel, get exactly the privileges their charts need)")
      ->capture_default_str();
  app.add_flag(
      "--allow-rbac-webhook-overlays", flags.allowRbacWebhookOverlays,
      "Let k8s.overlays change what RBAC objects grant (roleRef, subjects, rules) and where admission "
      "webhooks send requests (clientConfig, rules, selectors); refused by default");
  app.add_option(
      "--allowed-namespaces", flags.allowedNamespaces,
      operatorDefaults
          ? "Comma-separated namespaces a CR's objects may go into; * allows any (default: the CR's own "
            "namespace and istio-system)"
          : "Comma-separated namespaces the objects may go into; * allows any (default: *)");
}

std::optional<reconcilers::ObjectPolicy> policyFromFlags(const PolicyFlags& flags, bool operatorDefaults) {
  reconcilers::ObjectPolicy policy =
      operatorDefaults ? reconcilers::ObjectPolicy{} : reconcilers::ObjectPolicy::forCli();
  if (!reconcilers::parsePodSecurityLevel(flags.podSecurity, policy.podSecurity)) {
    std::cerr << "error: --pod-security " << flags.podSecurity
              << ": expected privileged, baseline or restricted\n";
    return std::nullopt;
  }
  policy.allowRbacAndWebhookOverlays = flags.allowRbacWebhookOverlays;
  if (!flags.allowedNamespaces.empty()) {
    policy.allowedNamespaces.clear();
    std::size_t start = 0;
    while (start <= flags.allowedNamespaces.size()) {
      std::size_t comma = flags.allowedNamespaces.find(',', start);
      if (comma == std::string::npos) comma = flags.allowedNamespaces.size();
      std::string ns = flags.allowedNamespaces.substr(start, comma - start);
      while (!ns.empty() && ns.front() == ' ') ns.erase(0, 1);
      while (!ns.empty() && ns.back() == ' ') ns.pop_back();
      if (!ns.empty()) {
        if (ns != "*" && !reconcilers::isDns1123Label(ns)) {
          std::cerr << "error: --allowed-namespaces: \"" << ns << "\" is not a namespace name\n";
          return std::nullopt;
        }
        policy.allowedNamespaces.insert(ns);
      }
      start = comma + 1;
    }
  }
  return policy;
}

}  // namespace iop::cmd
