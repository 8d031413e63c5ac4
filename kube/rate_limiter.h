#pragma once

#include <chrono>
#include <mutex>

#include "kube/cancel.h"
#include "kube/clock.h"
#include "kube/result.h"

namespace iop::kube {

// A token bucket like client-go's flowcontrol.NewTokenBucketRateLimiter: holds at most
// `burst` tokens, refilled at `qps` per second, starts full. qps <= 0 means unlimited.
// Thread-safe.
class TokenBucket {
 public:
  explicit TokenBucket(double qps, int burst, Clock clock = steadyClock());

  // Takes one token now (the bucket may go negative) and returns how long the caller must
  // wait before using it: zero while tokens are available, then 1/qps per queued caller.
  // Never blocks; callers that take a reservation must honour it.
  std::chrono::nanoseconds reserve();

  // Takes a token only if one is available right now.
  bool tryAcquire();

  // Reserves and sleeps until the reservation is due. Blocks; returns Cancelled early when
  // `cancel` fires (the reserved token is not given back, as in golang.org/x/time/rate).
  Result<void> acquire(const CancelToken& cancel);

  double qps() const { return qps_; }
  int burst() const { return burst_; }

 private:
  void refillLocked(std::chrono::steady_clock::time_point now);

  const double qps_;
  const int burst_;
  Clock clock_;
  std::mutex mu_;  // guards tokens_ and last_
  // Tokens available at last_, may be negative (reservations owed); never above burst_.
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace iop::kube
