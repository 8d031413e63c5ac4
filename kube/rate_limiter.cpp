#include "kube/rate_limiter.h"

#include <algorithm>

namespace iop::kube {

TokenBucket::TokenBucket(double qps, int burst, Clock clock)
    : qps_(qps), burst_(std::max(burst, 1)), clock_(std::move(clock)), tokens_(burst_), last_(clock_()) {}

void TokenBucket::refillLocked(std::chrono::steady_clock::time_point now) {
  if (now <= last_) return;
  std::chrono::duration<double> elapsed = now - last_;
  tokens_ = std::min<double>(burst_, tokens_ + elapsed.count() * qps_);
  last_ = now;
}

std::chrono::nanoseconds TokenBucket::reserve() {
  if (qps_ <= 0) return std::chrono::nanoseconds(0);
  std::lock_guard lock(mu_);
  refillLocked(clock_());
  tokens_ -= 1.0;
  if (tokens_ >= 0) return std::chrono::nanoseconds(0);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(-tokens_ / qps_));
}

bool TokenBucket::tryAcquire() {
  if (qps_ <= 0) return true;
  std::lock_guard lock(mu_);
  refillLocked(clock_());
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

Result<void> TokenBucket::acquire(const CancelToken& cancel) {
  if (cancel.cancelled()) return Error::cancelled("cancelled while waiting for the client rate limiter");
  auto wait = reserve();
  if (wait <= std::chrono::nanoseconds(0)) return {};
  // Sleeps on the token so shutdown never waits out a backlog.
  if (!sleepFor(wait, cancel)) return Error::cancelled("cancelled while waiting for the client rate limiter");
  return {};
}

}  // namespace iop::kube
