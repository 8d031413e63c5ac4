#include "controller/lease_record.h"

#include <ctime>

namespace iop::controller {

using nlohmann::json;

LeaseRecord LeaseRecord::fromLease(const json& lease) {
  LeaseRecord r;
  auto spec = lease.value("spec", json::object());
  if (!spec.is_object()) return r;
  auto str = [&](const char* k) {
    return spec.contains(k) && spec[k].is_string() ? spec[k].get<std::string>() : "";
  };
  auto num = [&](const char* k) {
    return spec.contains(k) && spec[k].is_number_integer() ? spec[k].get<int>() : 0;
  };
  r.holderIdentity = str("holderIdentity");
  r.leaseDurationSeconds = num("leaseDurationSeconds");
  r.acquireTime = str("acquireTime");
  r.renewTime = str("renewTime");
  r.leaseTransitions = num("leaseTransitions");
  return r;
}

void LeaseRecord::writeTo(json& lease) const {
  auto& spec = lease["spec"];
  if (!spec.is_object()) spec = json::object();
  spec["holderIdentity"] = holderIdentity;
  spec["leaseDurationSeconds"] = leaseDurationSeconds;
  if (!acquireTime.empty()) spec["acquireTime"] = acquireTime;
  if (!renewTime.empty()) spec["renewTime"] = renewTime;
  spec["leaseTransitions"] = leaseTransitions;
}

std::string microTime(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t - secs).count();
  std::time_t tt = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[48];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06dZ", static_cast<int>(micros));
  return buf;
}

bool mayAcquire(const LeaseRecord& observed, TimePoint observedAt, TimePoint now,
                const std::string& identity) {
  if (observed.holderIdentity.empty() || observed.holderIdentity == identity) return true;
  return observedAt + std::chrono::seconds(observed.leaseDurationSeconds) <= now;
}

}  // namespace iop::controller
