#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace iop::test {

// Polls `check` every 100 ms until it is true or `deadline` passes; returns the last result.
// Blocks the calling thread.
inline bool eventually(const std::function<bool()>& check,
                       std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (true) {
    if (check()) return true;
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace iop::test
