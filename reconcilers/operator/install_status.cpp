#include "reconcilers/operator/install_status.h"

#include <chrono>
#include <ctime>

namespace iop::reconcilers {

using json = nlohmann::json;

std::string overallStatus(const std::map<std::string, ComponentState>& components) {
  bool reconciling = false;
  for (const auto& [name, c] : components) {
    if (c.status == kStatusError) return kStatusError;
    if (c.status == kStatusActionRequired) return kStatusActionRequired;
    if (c.status != kStatusHealthy) reconciling = true;
  }
  return reconciling ? kStatusReconciling : kStatusHealthy;
}

namespace {

json conditionObject(const Condition& c, std::int64_t generation, const json& previous,
                     const std::string& now) {
  std::string since = now;
  if (previous.is_object() && previous.contains("conditions") && previous["conditions"].is_array()) {
    for (const auto& old : previous["conditions"]) {
      if (old.value("type", "") == c.type && old.value("status", "") == (c.status ? "True" : "False"))
        since = old.value("lastTransitionTime", now);
    }
  }
  return {{"type", c.type},       {"status", c.status ? "True" : "False"}, {"reason", c.reason},
          {"message", c.message}, {"observedGeneration", generation},      {"lastTransitionTime", since}};
}

}  // namespace

json statusObject(const InstallStatus& next, const json& previous, const std::string& now) {
  json components = json::object();
  for (const auto& [name, c] : next.components) {
    json entry = {{"status", c.status}};
    if (!c.error.empty()) entry["error"] = c.error;
    components[name] = entry;
  }
  json conditions = json::array({conditionObject(next.reconciled, next.observedGeneration, previous, now),
                                 conditionObject(next.ready, next.observedGeneration, previous, now)});
  if (next.controlPlane)
    conditions.push_back(conditionObject(*next.controlPlane, next.observedGeneration, previous, now));
  if (next.inUse) conditions.push_back(conditionObject(*next.inUse, next.observedGeneration, previous, now));
  return {{"status", next.status},
          {"componentStatus", components},
          {"observedGeneration", next.observedGeneration},
          {"conditions", conditions}};
}

json mergePatchBetween(const json& from, const json& to) {
  if (!from.is_object() || !to.is_object()) return to;
  json patch = json::object();
  for (const auto& [k, v] : from.items())
    if (!to.contains(k)) patch[k] = nullptr;
  for (const auto& [k, v] : to.items()) {
    auto it = from.find(k);
    if (it == from.end()) {
      patch[k] = v;
    } else if (*it != v) {
      patch[k] = (it->is_object() && v.is_object()) ? mergePatchBetween(*it, v) : v;
    }
  }
  return patch;
}

std::string nowRfc3339() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace iop::reconcilers
