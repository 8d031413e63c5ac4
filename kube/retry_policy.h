#pragma once

#include <chrono>
#include <optional>

#include "kube/errors.h"

namespace iop::kube {

// When a failed attempt may be repeated, and after how long. Pure functions, so the rules can
// be read (and tested) in one place.
struct RetryPolicy {
  int maxRetries = 4;
  std::chrono::milliseconds initialBackoff{100};
  std::chrono::milliseconds maxBackoff{5000};
  std::chrono::seconds retryAfterCap{30};

  // Whether an attempt that failed with `error` may be sent again:
  //  - 429 TooManyRequests: always (the server did not process the request);
  //  - transport errors: for idempotent requests (GET, watch setup) always; for writes only
  //    when the request certainly never reached the server (error.requestSent == false);
  //  - 500/502/503/504: for idempotent requests only;
  //  - anything else (4xx, cancellation, config): never.
  bool retryable(const Error& error, bool idempotent) const;

  // The delay before retry number `attempt` (0 = first retry): Retry-After when the server sent
  // one (capped at retryAfterCap), else initialBackoff * 2^attempt capped at maxBackoff, times
  // `jitter` (in [1, 1.5) from the caller, so clients that failed together spread out).
  std::chrono::nanoseconds delay(int attempt, const std::optional<std::chrono::seconds>& retryAfter,
                                 double jitter = 1.0) const;
};

}  // namespace iop::kube
