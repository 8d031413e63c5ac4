#pragma once

#include <memory>
#include <string>

#include "controller/clock.h"

namespace iop::controller {

// Decides how long a key waits before it is retried. Implementations are small and combine
// (MaxOfRateLimiter); all are thread-safe.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // How long key should wait now; records one more failure of key.
  virtual Duration when(const std::string& key) = 0;
  // Forgets key's failures: the next when(key) starts over. Call it when key succeeded.
  virtual void forget(const std::string& key) = 0;
  // How many times key has failed since it was last forgotten.
  virtual int numRequeues(const std::string& key) = 0;
};

// controller-runtime's default: the larger of a per-key exponential backoff (5 ms doubling,
// capped at 1000 s) and an overall token bucket of 10 per second with a burst of 100.
// clock is borrowed and must outlive the limiter.
std::unique_ptr<RateLimiter> defaultControllerRateLimiter(const Clock& clock = realClock());

}  // namespace iop::controller
