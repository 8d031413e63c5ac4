#pragma once

#include <chrono>
#include <functional>

namespace iop::kube {

// A source of monotonic time, injectable so rate limiting and token refresh can be tested
// without sleeping. Must be callable from several threads at once.
using Clock = std::function<std::chrono::steady_clock::time_point()>;

// std::chrono::steady_clock::now.
Clock steadyClock();

}  // namespace iop::kube
