#pragma once

#include <mutex>

#include "controller/rate_limiter.h"

namespace iop::controller {

// An overall token bucket shared by all keys: up to burst retries at once, then qps per
// second. Each when() reserves a token, so a burst of failures is spread out in time rather
// than refused. Keys are not tracked: forget() does nothing and numRequeues() is 0.
class BucketRateLimiter final : public RateLimiter {
 public:
  // qps > 0, burst >= 1. clock is borrowed and must outlive the limiter.
  BucketRateLimiter(double qps, int burst, const Clock& clock = realClock());
  Duration when(const std::string& key) override;
  void forget(const std::string&) override {}
  int numRequeues(const std::string&) override { return 0; }

 private:
  const double qps_;
  const double burst_;
  const Clock& clock_;
  std::mutex mu_;   // guards the two below
  double tokens_;   // may go negative: tokens already promised to waiting keys
  TimePoint last_;  // when tokens_ was last brought up to date
};

}  // namespace iop::controller
