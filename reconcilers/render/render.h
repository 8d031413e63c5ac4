#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "reconcilers/api/field_error.h"
#include "reconcilers/api/istio_operator.h"
#include "reconcilers/render/object_policy.h"
#include "reconcilers/render/profiles.h"

// The one renderer: IstioOperator CR -> the Kubernetes objects Istio installs, the way
// `istioctl manifest generate` computes them (profile, values translation, per-component
// objects, k8s settings, overlays), plus iop's ownership labels. `iop manifest generate`,
// `iop install` and the operator's reconciler all call render(); none has its own.
namespace iop::reconcilers {

// Component names as istioctl (and the operator.istio.io/component label) spell them.
inline constexpr const char* kBase = "Base";
inline constexpr const char* kPilot = "Pilot";
inline constexpr const char* kIngressGateways = "IngressGateways";
inline constexpr const char* kEgressGateways = "EgressGateways";
inline constexpr const char* kCni = "Cni";
inline constexpr const char* kZtunnel = "Ztunnel";

struct RenderOptions {
  // Value of the operator.istio.io/version label (iop's version).
  std::string iopVersion;
  // Where profiles come from; null means the compiled-in ones. Borrowed, must outlive render().
  const ProfileSource* profiles = nullptr;
  // Only render these components (names as above, case-insensitive); empty renders all.
  std::set<std::string> components;
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
  // Problems that make the result unusable (validation, unknown profile, bad overlay path).
  // When non-empty, `objects` must not be applied.
  FieldErrors errors;
  // Things the user should know that do not stop rendering (e.g. a component iop cannot render).
  std::vector<std::string> warnings;
  // The effective IstioOperator after profile and translation (what istioctl calls "merged").
  nlohmann::json merged;

  bool ok() const { return errors.empty(); }
  // Objects of one component, in apply order.
  std::vector<nlohmann::json> component(const std::string& name) const;
};

// Renders every enabled component of `iop`. Pure: no I/O besides reading a profile directory
// when options.profiles says so; never throws (failures are in RenderResult::errors).
// Thread-safe for concurrent calls.
RenderResult render(const IstioOperator& iop, const RenderOptions& options = {});

// Builds one IstioOperator from several YAML/JSON files (later ones merge over earlier ones
// with istioctl's rules) and `--set path=value` flags (paths relative to spec, as istioctl's
// --set; "spec." prefix optional), then validates it against `profiles`' names.
struct InputFile {
  std::string source;  // file name, for error messages
  std::string text;    // YAML or JSON
};
ParseResult composeIstioOperator(const std::vector<InputFile>& files,
                                 const std::vector<std::string>& setFlags, const ProfileSource& profiles);

}  // namespace iop::reconcilers
