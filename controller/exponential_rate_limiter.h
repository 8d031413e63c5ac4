#pragma once

#include <mutex>
#include <unordered_map>

#include "controller/rate_limiter.h"

namespace iop::controller {

// Per-key exponential backoff: the n-th failure of a key since it was forgotten waits
// base * 2^(n-1), never more than max.
class ExponentialRateLimiter final : public RateLimiter {
 public:
  ExponentialRateLimiter(Duration base = std::chrono::milliseconds(5),
                         Duration max = std::chrono::seconds(1000));
  Duration when(const std::string& key) override;
  void forget(const std::string& key) override;
  int numRequeues(const std::string& key) override;

 private:
  const Duration base_;
  const Duration max_;
  std::mutex mu_;                                  // guards failures_
  std::unordered_map<std::string, int> failures_;  // only keys with at least one failure
};

}  // namespace iop::controller
