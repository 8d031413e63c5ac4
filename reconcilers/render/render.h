#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include "reconcilers/api/field_error.h"
#include "reconcilers/api/istio_operator.h"
#include "reconcilers/render/components.h"
#include "reconcilers/render/istio_manifests.h"
#include "reconcilers/render/object_policy.h"

// The one renderer: IstioOperator CR -> the Kubernetes objects Istio installs, the way
// `istioctl manifest generate` computes them (profile, values translation, each component's
// chart of Istio's own rendered by the Helm engine, k8s settings, overlays), plus iop's
// ownership labels. `iop manifest generate`, `iop install` and the operator's reconciler all call
// render(); none has its own.
namespace iop::reconcilers {

struct RenderOptions {
  // Value of the operator.istio.io/version label (iop's version).
  std::string iopVersion;
  // Where charts and profiles come from (`--manifests`). Null: the CR's spec.installPackagePath
  // when set, else the compiled-in ones.
  std::shared_ptr<const IstioManifests> manifests;
  // Only render these components (names as in components.h, case-insensitive); empty renders all.
  std::set<std::string> components;
  // Ends a render early (an operator shutting down); the result then carries an error.
  std::stop_token stop;
  // What the rendered objects may be (object_policy.h); violations are errors. The default is
  // the CLI's (any namespace; pod security and overlays bounded as for the operator); the
  // operator passes its own, which also bounds namespaces.
  ObjectPolicy policy = ObjectPolicy::forCli();
};

struct RenderedObject {
  std::string component;  // e.g. "Pilot"
  nlohmann::json object;  // a complete Kubernetes object
};

struct RenderResult {
  // All desired objects in apply order: CRDs, ServiceAccounts, RBAC, webhooks, ConfigMaps,
  // workloads, HPAs/PDBs, Services; stable order within a kind.
  std::vector<RenderedObject> objects;
  // Problems that make the result unusable (validation, unknown profile, a chart's template
  // error with its file and line, bad overlay path).
  // When non-empty, `objects` must not be applied.
  FieldErrors errors;
  // Things the user should know that do not stop rendering (the charts' own warnings).
  std::vector<std::string> warnings;
  // The effective IstioOperator after profile and translation (what istioctl calls "merged").
  nlohmann::json merged;

  bool ok() const { return errors.empty(); }
  // Objects of one component, in apply order.
  std::vector<nlohmann::json> component(const std::string& name) const;
};

// Renders every enabled component of `iop`. Pure: no I/O besides reading a manifests directory
// (spec.installPackagePath); never throws (failures are in RenderResult::errors). Thread-safe
// for concurrent calls.
RenderResult render(const IstioOperator& iop, const RenderOptions& options = {});

// Builds one IstioOperator from several YAML/JSON files (later ones merge over earlier ones
// with istioctl's rules) and `--set path=value` flags (paths relative to spec, as istioctl's
// --set; "spec." prefix optional), then validates it against the profiles of `manifests`.
struct InputFile {
  std::string source;  // file name, for error messages
  std::string text;    // YAML or JSON
};
ParseResult composeIstioOperator(const std::vector<InputFile>& files,
                                 const std::vector<std::string>& setFlags, const IstioManifests& manifests);

}  // namespace iop::reconcilers
