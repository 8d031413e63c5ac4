// The client-side token bucket, with a fake clock.
#include "kube/rate_limiter.h"

#include <catch2/catch.hpp>

#include "test/unit/kube/fake_clock.h"

using namespace iop::kube;
using namespace std::chrono_literals;

TEST_CASE("a full bucket lets a burst through, then spaces requests at 1/qps", "[kube][ratelimit]") {
  testing::FakeClock fake;
  TokenBucket bucket(5, 10, fake.clock());  // client-go's defaults
  for (int i = 0; i < 10; ++i) CHECK(bucket.reserve() == 0ns);
  // Queued callers wait 200ms, 400ms, 600ms ... behind each other.
  CHECK(bucket.reserve() == 200ms);
  CHECK(bucket.reserve() == 400ms);
  CHECK(bucket.reserve() == 600ms);
}

TEST_CASE("tokens refill at qps up to burst", "[kube][ratelimit]") {
  testing::FakeClock fake;
  TokenBucket bucket(5, 10, fake.clock());
  for (int i = 0; i < 10; ++i) REQUIRE(bucket.tryAcquire());
  CHECK_FALSE(bucket.tryAcquire());
  fake.advance(1s);  // 5 tokens back
  for (int i = 0; i < 5; ++i) CHECK(bucket.tryAcquire());
  CHECK_FALSE(bucket.tryAcquire());
  fake.advance(1h);  // never more than burst
  int available = 0;
  while (bucket.tryAcquire()) ++available;
  CHECK(available == 10);
}

TEST_CASE("a reservation made while empty is paid back before new tokens count", "[kube][ratelimit]") {
  testing::FakeClock fake;
  TokenBucket bucket(10, 1, fake.clock());
  CHECK(bucket.reserve() == 0ns);
  CHECK(bucket.reserve() == 100ms);
  fake.advance(100ms);  // the token that arrived went to the reservation above
  CHECK_FALSE(bucket.tryAcquire());
  fake.advance(100ms);
  CHECK(bucket.tryAcquire());
}

TEST_CASE("qps <= 0 disables limiting", "[kube][ratelimit]") {
  testing::FakeClock fake;
  TokenBucket bucket(0, 1, fake.clock());
  for (int i = 0; i < 1000; ++i) REQUIRE(bucket.reserve() == 0ns);
}

TEST_CASE("acquire returns Cancelled when its token fires while waiting", "[kube][ratelimit]") {
  testing::FakeClock fake;
  TokenBucket bucket(0.001, 1, fake.clock());  // the second token is ~17 minutes away
  CancelToken cancel;
  REQUIRE(bucket.acquire(cancel).ok());
  cancel.cancel();
  auto r = bucket.acquire(cancel);
  REQUIRE_FALSE(r.ok());
  CHECK(isCancelled(r.error()));
}
