#include "controller/rate_limiting_queue.h"

#include <prometheus/counter.h>

namespace iop::controller {

RateLimitingQueue::RateLimitingQueue(std::unique_ptr<RateLimiter> limiter, Queue::Options options)
    : limiter_(std::move(limiter)), retries_(options.metrics.retries), queue_(options) {}

void RateLimitingQueue::addRateLimited(const std::string& key) {
  if (queue_.shuttingDown()) return;
  if (retries_) retries_->Increment();
  queue_.addAfter(key, limiter_->when(key));
}

}  // namespace iop::controller
