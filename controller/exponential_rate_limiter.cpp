#include "controller/exponential_rate_limiter.h"

#include <cmath>

namespace iop::controller {

ExponentialRateLimiter::ExponentialRateLimiter(Duration base, Duration max) : base_(base), max_(max) {}

Duration ExponentialRateLimiter::when(const std::string& key) {
  int n;
  {
    std::lock_guard lock(mu_);
    n = failures_[key]++;
  }
  // In floating point: 2^n overflows any integer duration long before a key gives up failing.
  double delay = static_cast<double>(base_.count()) * std::pow(2.0, n);
  if (delay >= static_cast<double>(max_.count())) return max_;
  return Duration(static_cast<Duration::rep>(delay));
}

void ExponentialRateLimiter::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

int ExponentialRateLimiter::numRequeues(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

}  // namespace iop::controller
