#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "reconcilers/render/object_policy.h"

// The flags of the rendered-object policy (reconcilers/render/object_policy.h), shared by
// `iop run` and the verbs that render (manifest generate/diff, install), so a CR is judged the
// same way everywhere. Only the defaults of --allowed-namespaces differ: the operator bounds
// where a CR's objects go, the CLI acts with its user's own credentials.
namespace iop::cmd {

struct PolicyFlags {
  std::string podSecurity = "baseline";
  std::string allowedNamespaces;  // comma-separated; "" = the verb's default
  bool allowRbacWebhookOverlays = false;
};

// Adds --pod-security, --allow-rbac-webhook-overlays and --allowed-namespaces to `app`.
void addPolicyFlags(CLI::App& app, PolicyFlags& flags, bool operatorDefaults);

// The policy the flags say, or nullopt after printing what is wrong with them.
std::optional<reconcilers::ObjectPolicy> policyFromFlags(const PolicyFlags& flags, bool operatorDefaults);

}  // namespace iop::cmd
