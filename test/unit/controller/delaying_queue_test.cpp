// addAfter: a key shows up once its delay has passed on the (fake) clock.
#include "controller/delaying_queue.h"

#include <catch2/catch.hpp>
#include <thread>

using iop::controller::DelayingQueue;
using iop::controller::FakeClock;
using namespace std::chrono_literals;

namespace {
// The waiting thread polls a fake clock every millisecond; give it ample real time to act.
void letTheWaiterRun() {
  std::this_thread::sleep_for(30ms);
}
}  // namespace

TEST_CASE("a delayed key is not available before its delay and is after", "[queue][delay]") {
  FakeClock clock;
  DelayingQueue q(DelayingQueue::Options{&clock, {}});
  q.addAfter("k", 10s);
  CHECK(q.waiting() == 1);
  clock.advance(9s);
  letTheWaiterRun();
  CHECK(q.len() == 0);
  clock.advance(1s);
  CHECK(q.get() == "k");  // blocks until the waiter moved it
  CHECK(q.waiting() == 0);
}

TEST_CASE("a key delayed twice is added once, at the earlier time", "[queue][delay]") {
  FakeClock clock;
  DelayingQueue q(DelayingQueue::Options{&clock, {}});
  q.addAfter("k", 60s);
  q.addAfter("k", 5s);
  q.addAfter("k", 30s);
  CHECK(q.waiting() == 1);
  clock.advance(5s);
  CHECK(q.get() == "k");
  q.done("k");
  clock.advance(100s);
  letTheWaiterRun();
  CHECK(q.len() == 0);
}

TEST_CASE("delayed keys come out in deadline order and a zero delay adds at once", "[queue][delay]") {
  FakeClock clock;
  DelayingQueue q(DelayingQueue::Options{&clock, {}});
  q.addAfter("late", 3s);
  q.addAfter("early", 1s);
  q.addAfter("now", 0s);
  CHECK(q.len() == 1);
  CHECK(q.get() == "now");
  clock.advance(1s);
  CHECK(q.get() == "early");
  clock.advance(2s);
  CHECK(q.get() == "late");
}

TEST_CASE("shutting down drops keys still waiting for their delay", "[queue][delay]") {
  FakeClock clock;
  DelayingQueue q(DelayingQueue::Options{&clock, {}});
  q.addAfter("k", 1s);
  q.shutDown();
  CHECK(q.waiting() == 0);
  clock.advance(2s);
  CHECK_FALSE(q.get().has_value());
  q.addAfter("k2", 1s);
  CHECK(q.waiting() == 0);
}

TEST_CASE("a delayed add with the real clock arrives after roughly its delay", "[queue][delay]") {
  DelayingQueue q;
  auto start = std::chrono::steady_clock::now();
  q.addAfter("k", 50ms);
  CHECK(q.get() == "k");
  CHECK(std::chrono::steady_clock::now() - start >= 50ms);
}
