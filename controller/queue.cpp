#include "controller/queue.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

namespace iop::controller {

namespace {
double seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}
}  // namespace

Queue::Queue(Options options) : clock_(*options.clock), metrics_(options.metrics) {}

void Queue::add(const std::string& key) {
  std::lock_guard lock(mu_);
  if (shuttingDown_) return;
  if (!dirty_.insert(key).second) return;
  if (metrics_.adds) metrics_.adds->Increment();
  addedAt_.emplace(key, clock_.now());
  if (processing_.contains(key)) return;  // done() queues it again
  queue_.push_back(key);
  updateDepth();
  cv_.notify_one();
}

std::optional<std::string> Queue::get() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !queue_.empty() || shuttingDown_; });
  if (shuttingDown_ && (!draining_ || queue_.empty())) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  updateDepth();
  dirty_.erase(key);
  processing_.insert(key);
  auto now = clock_.now();
  if (auto it = addedAt_.find(key); it != addedAt_.end()) {
    if (metrics_.queueDuration) metrics_.queueDuration->Observe(seconds(now - it->second));
    addedAt_.erase(it);
  }
  startedAt_[key] = now;
  return key;
}

void Queue::done(const std::string& key) {
  std::lock_guard lock(mu_);
  if (!processing_.erase(key)) return;
  if (auto it = startedAt_.find(key); it != startedAt_.end()) {
    if (metrics_.workDuration) metrics_.workDuration->Observe(seconds(clock_.now() - it->second));
    startedAt_.erase(it);
  }
  if (dirty_.contains(key) && !(shuttingDown_ && !draining_)) {
    queue_.push_back(key);
    updateDepth();
    cv_.notify_one();
  }
  if (processing_.empty()) drainCv_.notify_all();
}

std::size_t Queue::len() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Queue::shutDown() {
  std::lock_guard lock(mu_);
  shuttingDown_ = true;
  draining_ = false;
  queue_.clear();
  updateDepth();
  cv_.notify_all();
}

bool Queue::shutDownWithDrain(Duration timeout) {
  std::unique_lock lock(mu_);
  shuttingDown_ = true;
  draining_ = true;
  cv_.notify_all();
  auto deadline = clock_.now() + timeout;
  while (!(queue_.empty() && processing_.empty())) {
    if (clock_.now() >= deadline) {
      draining_ = false;
      queue_.clear();
      updateDepth();
      cv_.notify_all();
      return false;
    }
    clock_.waitUntil(drainCv_, lock, deadline);
  }
  draining_ = false;
  return true;
}

bool Queue::shuttingDown() const {
  std::lock_guard lock(mu_);
  return shuttingDown_;
}

void Queue::updateDepth() {
  if (metrics_.depth) metrics_.depth->Set(static_cast<double>(queue_.size()));
}

}  // namespace iop::controller
