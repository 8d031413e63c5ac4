#pragma once

#include <cstddef>
#include <functional>

namespace iop::reconcilers {

// Runs fn(i) for every i in [0, n) on up to `threads` threads (the caller's included, the others
// started and joined here) and returns when all are done. fn must be safe to run concurrently
// with itself and must not throw. Blocks.
void forEachConcurrently(std::size_t n, int threads, const std::function<void(std::size_t)>& fn);

}  // namespace iop::reconcilers
