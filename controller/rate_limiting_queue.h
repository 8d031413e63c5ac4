#pragma once

#include <memory>

#include "controller/delaying_queue.h"
#include "controller/rate_limiter.h"

namespace iop::controller {

// A DelayingQueue plus retries paced by a RateLimiter. All methods are thread-safe.
class RateLimitingQueue {
 public:
  // Owns limiter (non-null). options.clock and options.metrics are borrowed.
  RateLimitingQueue(std::unique_ptr<RateLimiter> limiter, Queue::Options options = {});

  // Adds key after the limiter's delay for it, counting one more failure of key.
  void addRateLimited(const std::string& key);
  // Clears key's failures (after it succeeded). Does not remove it from the queue.
  void forget(const std::string& key) { limiter_->forget(key); }
  int numRequeues(const std::string& key) { return limiter_->numRequeues(key); }

  // The DelayingQueue layer; see DelayingQueue and Queue for the contract of each.
  void addAfter(const std::string& key, Duration delay) { queue_.addAfter(key, delay); }
  void add(const std::string& key) { queue_.add(key); }
  std::optional<std::string> get() { return queue_.get(); }
  void done(const std::string& key) { queue_.done(key); }
  std::size_t len() const { return queue_.len(); }
  std::size_t waiting() const { return queue_.waiting(); }
  bool shuttingDown() const { return queue_.shuttingDown(); }
  void shutDown() { queue_.shutDown(); }
  bool shutDownWithDrain(Duration timeout) { return queue_.shutDownWithDrain(timeout); }

 private:
  std::unique_ptr<RateLimiter> limiter_;
  prometheus::Counter* retries_;  // borrowed, may be null
  DelayingQueue queue_;
};

}  // namespace iop::controller
