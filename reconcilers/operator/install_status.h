#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

// The status iop writes on an IstioOperator: Istio's status.status and componentStatus, plus
// observedGeneration and standard conditions. Pure functions; the reconciler decides when to write.
namespace iop::reconcilers {

inline constexpr const char* kStatusReconciling = "RECONCILING";
inline constexpr const char* kStatusHealthy = "HEALTHY";
inline constexpr const char* kStatusError = "ERROR";
inline constexpr const char* kStatusActionRequired = "ACTION_REQUIRED";

struct ComponentState {
  std::string status;  // one of the kStatus* values
  std::string error;   // "" unless something is wrong or pending
};

struct Condition {
  std::string type;  // "Reconciled", "Ready"
  bool status = false;
  std::string reason;
  std::string message;
};

struct InstallStatus {
  std::string status;
  std::map<std::string, ComponentState> components;
  std::int64_t observedGeneration = 0;
  Condition reconciled{"Reconciled"};
  Condition ready{"Ready"};
  // "ControlPlaneFound", only on CRs that install gateways but no control plane: whether an
  // istiod of their revision exists (without one the gateways get no configuration).
  std::optional<Condition> controlPlane;
  // "InUse", only on CRs that install a control plane: whether namespaces, revision tags or pods
  // reference its revision, naming them (as of this reconcile: pods coming and going do not
  // wake it). While it says namespaces select the revision directly or through a tag, deleting
  // the CR is held (DeletionBlocked).
  std::optional<Condition> inUse;
};

// The overall status from the components': ERROR beats RECONCILING beats HEALTHY; HEALTHY when
// there are no components.
std::string overallStatus(const std::map<std::string, ComponentState>& components);

// The status object for `next`, keeping each condition's lastTransitionTime from `previous`
// (the CR's current status, may be null) when its status did not flip; `now` is RFC 3339.
nlohmann::json statusObject(const InstallStatus& next, const nlohmann::json& previous,
                            const std::string& now);

// An RFC 7386 merge patch turning `from` into `to` (keys missing from `to` become null).
nlohmann::json mergePatchBetween(const nlohmann::json& from, const nlohmann::json& to);

// The current UTC time as "2026-11-28T21:00:00Z".
std::string nowRfc3339();

}  // namespace iop::reconcilers
