#include "reconcilers/apply/concurrently.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

using iop::reconcilers::forEachConcurrently;

TEST_CASE("forEachConcurrently runs every index exactly once and returns when all are done",
          "[concurrently]") {
  for (int threads : {1, 3, 8}) {
    std::vector<std::atomic<int>> runs(20);
    forEachConcurrently(runs.size(), threads, [&](std::size_t i) { ++runs[i]; });
    for (const auto& r : runs) CHECK(r.load() == 1);
  }
  int called = 0;
  forEachConcurrently(0, 4, [&](std::size_t) { ++called; });
  CHECK(called == 0);
}

TEST_CASE("forEachConcurrently runs up to the given number of calls at once, never more", "[concurrently]") {
  std::atomic<int> inFlight{0}, most{0};
  forEachConcurrently(12, 3, [&](std::size_t) {
    int now = ++inFlight;
    for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    --inFlight;
  });
  CHECK(most.load() <= 3);
  CHECK(most.load() > 1);
}
