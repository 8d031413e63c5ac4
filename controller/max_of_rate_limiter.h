#pragma once

#include <memory>
#include <vector>

#include "controller/rate_limiter.h"

namespace iop::controller {

// Combines limiters: a key waits as long as the strictest of them says. Owns its parts.
class MaxOfRateLimiter final : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters);
  Duration when(const std::string& key) override;    // asks every part: each records the failure
  void forget(const std::string& key) override;      // forgets in every part
  int numRequeues(const std::string& key) override;  // the largest count of any part

 private:
  std::vector<std::unique_ptr<RateLimiter>> limiters_;
};

}  // namespace iop::controller
