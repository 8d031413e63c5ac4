#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace iop::kube {

// One finished HTTP exchange (after retries each attempt is one record).
struct RequestRecord {
  std::string method;                    // "GET", "POST", "PUT", "PATCH", "DELETE"; a watch is "WATCH"
  int code = 0;                          // HTTP status; 0 when no response arrived (transport error)
  std::chrono::nanoseconds duration{0};  // for a watch: until the response headers arrived
};

// Called for every record, synchronously on the requesting thread: keep it cheap and
// thread-safe (e.g. increment a prometheus counter).
using RequestObserver = std::function<void(const RequestRecord&)>;

// Counts requests by (method, code). kube/ knows nothing about prometheus: the metrics layer
// reads snapshot() or installs a RequestObserver. Thread-safe.
class RequestMetrics {
 public:
  void record(const RequestRecord& r);
  // Copy of the counts, keyed by (method, code).
  std::map<std::pair<std::string, int>, std::uint64_t> snapshot() const;
  // Total over all codes for one method.
  std::uint64_t total(const std::string& method) const;

 private:
  mutable std::mutex mu_;  // guards counts_
  std::map<std::pair<std::string, int>, std::uint64_t> counts_;
};

}  // namespace iop::kube
