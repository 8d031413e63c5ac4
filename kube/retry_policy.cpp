#include "kube/retry_policy.h"

#include <algorithm>

namespace iop::kube {

bool RetryPolicy::retryable(const Error& error, bool idempotent) const {
  switch (error.kind) {
    case ErrorKind::Transport:
      return idempotent || !error.requestSent;
    case ErrorKind::Api:
      if (error.httpStatus == 429) return true;
      return idempotent && (error.httpStatus == 500 || error.httpStatus == 502 || error.httpStatus == 503 ||
                            error.httpStatus == 504);
    default:
      return false;
  }
}

std::chrono::nanoseconds RetryPolicy::delay(int attempt,
                                            const std::optional<std::chrono::seconds>& retryAfter,
                                            double jitter) const {
  if (retryAfter) return std::min<std::chrono::nanoseconds>(*retryAfter, retryAfterCap);
  auto d = initialBackoff * (1LL << std::clamp(attempt, 0, 20));
  auto capped = std::min<std::chrono::nanoseconds>(d, maxBackoff);
  return std::chrono::nanoseconds(static_cast<std::int64_t>(static_cast<double>(capped.count()) * jitter));
}

}  // namespace iop::kube
