// The basic work queue's rules: dedup, one worker per key, re-add while processing, order,
// and the two ways to shut down.
#include "controller/queue.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <vector>

using iop::controller::FakeClock;
using iop::controller::Queue;

TEST_CASE("a key added several times before a worker takes it is handed out once", "[queue]") {
  Queue q;
  q.add("ns/a");
  q.add("ns/a");
  q.add("ns/a");
  CHECK(q.len() == 1);
  CHECK(q.get() == "ns/a");
  CHECK(q.len() == 0);
}

TEST_CASE("keys are handed out in the order they were first added", "[queue]") {
  Queue q;
  for (auto k : {"c", "a", "b", "a", "c"}) q.add(k);
  CHECK(q.get() == "c");
  CHECK(q.get() == "a");
  CHECK(q.get() == "b");
  CHECK(q.len() == 0);
}

TEST_CASE("a key added while it is processing is held back until done, then handed out again", "[queue]") {
  Queue q;
  q.add("k");
  REQUIRE(q.get() == "k");
  q.add("k");
  q.add("k");
  CHECK(q.len() == 0);  // not available to a second worker
  q.add("other");
  CHECK(q.get() == "other");
  q.done("k");
  CHECK(q.len() == 1);
  CHECK(q.get() == "k");
  q.done("k");
  q.done("other");
  CHECK(q.len() == 0);
}

TEST_CASE("done for a key that was not re-added does not bring it back", "[queue]") {
  Queue q;
  q.add("k");
  REQUIRE(q.get() == "k");
  q.done("k");
  CHECK(q.len() == 0);
}

TEST_CASE("shutDown wakes blocked workers with nothing and abandons queued keys", "[queue]") {
  Queue q;
  std::atomic<int> woken{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 3; ++i)
    workers.emplace_back([&] {
      if (!q.get()) ++woken;
    });
  q.shutDown();
  for (auto& w : workers) w.join();
  CHECK(woken == 3);

  Queue q2;
  q2.add("a");
  q2.add("b");
  q2.shutDown();
  CHECK_FALSE(q2.get().has_value());
  q2.add("c");
  CHECK(q2.len() == 0);
  CHECK(q2.shuttingDown());
}

TEST_CASE("shutDownWithDrain hands out every queued key and waits for the last done", "[queue]") {
  Queue q;
  for (int i = 0; i < 50; ++i) q.add("k" + std::to_string(i));
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i)
    workers.emplace_back([&] {
      while (auto k = q.get()) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        ++processed;
        q.done(*k);
      }
    });
  CHECK(q.shutDownWithDrain(std::chrono::seconds(30)));
  CHECK(processed == 50);
  for (auto& w : workers) w.join();
}

TEST_CASE("shutDownWithDrain gives up after its timeout when a key is never done", "[queue]") {
  FakeClock clock;
  Queue q(Queue::Options{&clock, {}});
  q.add("stuck");
  REQUIRE(q.get() == "stuck");
  std::atomic<bool> returned{false};
  bool drained = true;
  std::thread drainer([&] {
    drained = q.shutDownWithDrain(std::chrono::seconds(10));
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let it read the clock first
  clock.advance(std::chrono::seconds(9));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK_FALSE(returned);
  clock.advance(std::chrono::seconds(2));
  drainer.join();
  CHECK_FALSE(drained);
}

TEST_CASE("with many adders and workers, no key is processed twice at once and every add is seen",
          "[queue][property]") {
  constexpr int kKeys = 20, kAdders = 6, kWorkers = 8, kAddsPerAdder = 3000;
  Queue q;
  std::array<std::atomic<int>, kKeys> version{};   // bumped before each add of the key
  std::array<std::atomic<int>, kKeys> inFlight{};  // workers holding the key right now
  std::array<int, kKeys> lastSeen{};               // version a worker saw when it took the key
  std::atomic<int> overlaps{0};

  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w)
    workers.emplace_back([&] {
      while (auto k = q.get()) {
        int i = std::stoi(*k);
        if (inFlight[i].fetch_add(1) != 0) ++overlaps;
        lastSeen[i] = version[i].load();  // safe: only one worker holds key i
        std::this_thread::yield();
        inFlight[i].fetch_sub(1);
        q.done(*k);
      }
    });
  std::vector<std::thread> adders;
  for (int a = 0; a < kAdders; ++a)
    adders.emplace_back([&, a] {
      std::mt19937 rng(a);
      for (int n = 0; n < kAddsPerAdder; ++n) {
        int i = static_cast<int>(rng() % kKeys);
        version[i].fetch_add(1);
        q.add(std::to_string(i));
      }
    });
  for (auto& a : adders) a.join();
  REQUIRE(q.shutDownWithDrain(std::chrono::seconds(60)));
  for (auto& w : workers) w.join();

  CHECK(overlaps == 0);
  for (int i = 0; i < kKeys; ++i) {
    INFO("key " << i);
    CHECK(lastSeen[i] == version[i].load());  // the last add of every key was processed after it
  }
}
