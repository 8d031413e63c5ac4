#include "kube/request_metrics.h"

namespace iop::kube {

void RequestMetrics::record(const RequestRecord& r) {
  std::lock_guard lock(mu_);
  ++counts_[{r.method, r.code}];
}

std::map<std::pair<std::string, int>, std::uint64_t> RequestMetrics::snapshot() const {
  std::lock_guard lock(mu_);
  return counts_;
}

std::uint64_t RequestMetrics::total(const std::string& method) const {
  std::lock_guard lock(mu_);
  std::uint64_t n = 0;
  for (const auto& [key, count] : counts_)
    if (key.first == method) n += count;
  return n;
}

}  // namespace iop::kube
