// Which failures are retried, and after how long.
#include "kube/retry_policy.h"

#include <catch2/catch.hpp>

using namespace iop::kube;
using namespace std::chrono_literals;

namespace {

Error status(int code) {
  return Error::fromResponse(code, "");
}

}  // namespace

TEST_CASE("reads are retried on transport errors, 429 and 5xx, but not on other API errors",
          "[kube][retry]") {
  RetryPolicy p;
  CHECK(p.retryable(Error::transport("read", "reset", true), true));
  CHECK(p.retryable(Error::transport("connect", "refused", false), true));
  for (int code : {429, 500, 502, 503, 504}) CHECK(p.retryable(status(code), true));
  for (int code : {400, 401, 403, 404, 409, 410, 422}) CHECK_FALSE(p.retryable(status(code), true));
  CHECK_FALSE(p.retryable(Error::cancelled(), true));
  CHECK_FALSE(p.retryable(Error::config("bad"), true));
}

TEST_CASE("writes are retried only when the server surely did not process them", "[kube][retry]") {
  RetryPolicy p;
  CHECK(p.retryable(status(429), false));
  CHECK(p.retryable(Error::transport("connect", "refused", false), false));
  CHECK(p.retryable(Error::transport("handshake", "bad certificate", false), false));
  CHECK_FALSE(p.retryable(Error::transport("read", "connection reset", true), false));
  CHECK_FALSE(p.retryable(Error::transport("write", "broken pipe", true), false));
  for (int code : {500, 503, 504}) CHECK_FALSE(p.retryable(status(code), false));
}

TEST_CASE("backoff doubles up to a cap and Retry-After wins, within its own cap", "[kube][retry]") {
  RetryPolicy p{.maxRetries = 10, .initialBackoff = 100ms, .maxBackoff = 1s, .retryAfterCap = 30s};
  CHECK(p.delay(0, std::nullopt) == 100ms);
  CHECK(p.delay(1, std::nullopt) == 200ms);
  CHECK(p.delay(3, std::nullopt) == 800ms);
  CHECK(p.delay(4, std::nullopt) == 1s);
  CHECK(p.delay(60, std::nullopt) == 1s);
  CHECK(p.delay(0, std::nullopt, 1.5) == 150ms);
  CHECK(p.delay(0, 7s) == 7s);
  CHECK(p.delay(5, 3600s) == 30s);
}
