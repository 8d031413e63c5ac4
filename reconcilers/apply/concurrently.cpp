#include "reconcilers/apply/concurrently.h"

#include <atomic>
#include <thread>
#include <vector>

namespace iop::reconcilers {

void forEachConcurrently(std::size_t n, int threads, const std::function<void(std::size_t)>& fn) {
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::jthread> helpers;
  for (int t = 1; t < threads && static_cast<std::size_t>(t) < n; ++t) helpers.emplace_back(work);
  work();
}

}  // namespace iop::reconcilers
