// The numbers the rate limiters give, read off a fake clock.
#include <catch2/catch.hpp>
#include <thread>

#include "controller/bucket_rate_limiter.h"
#include "controller/exponential_rate_limiter.h"
#include "controller/max_of_rate_limiter.h"
#include "controller/rate_limiting_queue.h"

using namespace iop::controller;
using namespace std::chrono_literals;

TEST_CASE("per-key exponential backoff doubles from 5 ms, caps at 1000 s and resets on forget",
          "[ratelimit]") {
  ExponentialRateLimiter l;
  CHECK(l.when("a") == 5ms);
  CHECK(l.when("a") == 10ms);
  CHECK(l.when("a") == 20ms);
  CHECK(l.when("a") == 40ms);
  CHECK(l.numRequeues("a") == 4);
  CHECK(l.when("b") == 5ms);  // keys are independent
  for (int i = 4; i < 17; ++i) l.when("a");
  CHECK(l.when("a") == 655360ms);  // 5 ms * 2^17
  CHECK(l.when("a") == 1000s);     // 5 ms * 2^18 = 1310.72 s, capped
  for (int i = 0; i < 2000; ++i) l.when("a");
  CHECK(l.when("a") == 1000s);  // no overflow however long it fails
  l.forget("a");
  CHECK(l.numRequeues("a") == 0);
  CHECK(l.when("a") == 5ms);
}

TEST_CASE("the token bucket lets a burst through, then spaces retries at its rate", "[ratelimit]") {
  FakeClock clock;
  BucketRateLimiter l(10, 100, clock);
  for (int i = 0; i < 100; ++i) REQUIRE(l.when("k" + std::to_string(i)) == 0ms);
  CHECK(l.when("x") == 100ms);
  CHECK(l.when("y") == 200ms);
  CHECK(l.when("z") == 300ms);
  clock.advance(1s);  // 10 tokens back; 3 were already promised
  for (int i = 0; i < 7; ++i) REQUIRE(l.when("again") == 0ms);
  CHECK(l.when("again") == 100ms);
  clock.advance(1h);  // refills to the burst, not beyond
  for (int i = 0; i < 100; ++i) REQUIRE(l.when("k") == 0ms);
  CHECK(l.when("k") == 100ms);
  CHECK(l.numRequeues("k") == 0);
}

TEST_CASE("max-of takes the strictest limiter and forgets in all of them", "[ratelimit]") {
  FakeClock clock;
  auto l = defaultControllerRateLimiter(clock);
  CHECK(l->when("a") == 5ms);
  CHECK(l->when("a") == 10ms);
  CHECK(l->numRequeues("a") == 2);
  for (int i = 0; i < 98; ++i) l->when("k" + std::to_string(i));  // the bucket is now empty
  CHECK(l->when("b") == 100ms);  // bucket (100 ms) beats b's first backoff (5 ms)
  l->forget("a");
  CHECK(l->numRequeues("a") == 0);
}

TEST_CASE("a rate-limited queue re-adds a failing key after its backoff and counts its retries",
          "[ratelimit][queue]") {
  FakeClock clock;
  RateLimitingQueue q(std::make_unique<ExponentialRateLimiter>(1s, 1000s), Queue::Options{&clock, {}});
  q.add("k");
  REQUIRE(q.get() == "k");
  q.addRateLimited("k");
  q.done("k");
  CHECK(q.numRequeues("k") == 1);
  CHECK(q.len() == 0);
  clock.advance(1s);
  REQUIRE(q.get() == "k");
  q.addRateLimited("k");  // second failure: 2 s
  q.done("k");
  clock.advance(1s);
  std::this_thread::sleep_for(30ms);
  CHECK(q.len() == 0);
  clock.advance(1s);
  REQUIRE(q.get() == "k");
  q.forget("k");
  q.done("k");
  CHECK(q.numRequeues("k") == 0);
}
