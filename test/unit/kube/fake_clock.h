#pragma once

#include <atomic>
#include <chrono>

#include "kube/clock.h"

namespace iop::kube::testing {

// A clock that moves only when told to. Thread-safe.
class FakeClock {
 public:
  Clock clock() {
    return [this] { return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(now_.load())); };
  }
  void advance(std::chrono::nanoseconds d) { now_ += d.count(); }

 private:
  std::atomic<std::int64_t> now_{1'000'000'000};
};

}  // namespace iop::kube::testing
