#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "controller/clock.h"

namespace iop::controller {

// The leader-election fields of a coordination.k8s.io/v1 Lease's spec.
struct LeaseRecord {
  std::string holderIdentity;  // "" when released
  int leaseDurationSeconds = 0;
  std::string acquireTime;  // RFC 3339 with microseconds (metav1.MicroTime)
  std::string renewTime;
  int leaseTransitions = 0;

  static LeaseRecord fromLease(const nlohmann::json& lease);
  // Writes this record into lease["spec"], leaving other fields alone.
  void writeTo(nlohmann::json& lease) const;
  bool operator==(const LeaseRecord&) const = default;
};

// metav1.MicroTime of a wall-clock instant: "2026-11-28T20:10:00.123456Z".
std::string microTime(std::chrono::system_clock::time_point t);

// Whether `identity` may take or keep the lease whose record it observed (first saw in this
// form) at observedAt, as client-go decides: yes if nobody holds it, if it holds it itself, or
// if the holder has not renewed for the record's leaseDurationSeconds as measured on the
// observer's own clock since it observed the record (never trusting the holder's timestamps,
// so clock skew between replicas does not matter).
bool mayAcquire(const LeaseRecord& observed, TimePoint observedAt, TimePoint now,
                const std::string& identity);

}  // namespace iop::controller
