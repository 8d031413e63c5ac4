#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "reconcilers/api/field_error.h"
#include "reconcilers/api/names.h"

// The install.istio.io/v1alpha1 IstioOperator API. The spec is kept as JSON (the shape users
// wrote, so unknown-but-allowed fields such as `values` pass through untouched); parse* checks
// it against the schema, and the typed views below read the parts rendering needs.
namespace iop::reconcilers {

inline constexpr const char* kIstioOperatorApiVersion = "install.istio.io/v1alpha1";
inline constexpr const char* kIstioOperatorKind = "IstioOperator";

struct IstioOperator {
  std::string name;
  std::string namespace_;
  // The whole `spec` object (never null after a successful parse; `{}` when absent).
  nlohmann::json spec = nlohmann::json::object();
  // The `--set path=value` flags (paths under spec) this CR was composed with on the command
  // line, already part of `spec`: the renderer re-applies them so their values keep the types
  // istioctl's parser gives them (an int stays an int where the rest of a CR is float64).
  std::vector<std::string> setFlags;

  std::string revision() const;  // spec.revision or ""
  std::string profile() const;   // spec.profile or "" (meaning default)
};

struct ParseResult {
  std::optional<IstioOperator> iop;  // set when there were no errors
  FieldErrors errors;                // every problem found, with field paths
  bool ok() const { return errors.empty(); }
};

struct ValidationOptions {
  // Profile names that exist; an empty set skips the profile check.
  std::set<std::string> profiles;
};

// Parses one IstioOperator from YAML or JSON text (exactly one document) and validates it.
// Never throws: syntax errors come back as errors too.
ParseResult parseIstioOperator(const std::string& text, const ValidationOptions& options = {});

// Validates an already-parsed document (apiVersion, kind, metadata, spec) and builds the CR.
ParseResult istioOperatorFromJson(const nlohmann::json& doc, const ValidationOptions& options = {});

// Schema and semantic checks of a whole IstioOperator document: unknown fields (naming the
// nearest valid one), wrong types, revision syntax, duplicate gateway names, unknown profile.
// Returns all errors; never throws.
FieldErrors validateIstioOperator(const nlohmann::json& doc, const ValidationOptions& options = {});

// A component as the CR (after the profile) describes it. `k8s` is the raw k8s settings object.
struct ComponentSpec {
  bool enabled = false;
  std::string namespace_;
  std::string hub;
  nlohmann::json tag;                        // string or number, null when unset
  std::string name;                          // gateways only
  std::map<std::string, std::string> label;  // gateways only
  nlohmann::json k8s = nlohmann::json::object();
  std::string specPath;  // e.g. "spec.components.ingressGateways[1]", for error messages
};

}  // namespace iop::reconcilers
