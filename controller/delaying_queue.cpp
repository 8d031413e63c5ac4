#include "controller/delaying_queue.h"

namespace iop::controller {

DelayingQueue::DelayingQueue(Options options) : clock_(*options.clock), queue_(options) {}

DelayingQueue::~DelayingQueue() {
  queue_.shutDown();
  stopWaiting();
}

void DelayingQueue::addAfter(const std::string& key, Duration delay) {
  if (queue_.shuttingDown()) return;
  if (delay <= Duration::zero()) {
    queue_.add(key);
    return;
  }
  std::lock_guard lock(mu_);
  if (stopping_) return;
  auto readyAt = clock_.now() + delay;
  auto [it, inserted] = readyAt_.emplace(key, readyAt);
  if (!inserted) {
    if (it->second <= readyAt) return;
    it->second = readyAt;
  }
  heap_.push(Entry{readyAt, nextSeq_++, key});
  if (!waiter_.joinable()) waiter_ = std::thread([this] { waitingLoop(); });
  cv_.notify_one();
}

void DelayingQueue::waitingLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto now = clock_.now();
    while (!heap_.empty() && heap_.top().readyAt <= now) {
      Entry e = heap_.top();
      heap_.pop();
      auto it = readyAt_.find(e.key);
      if (it == readyAt_.end() || it->second != e.readyAt) continue;  // stale
      readyAt_.erase(it);
      queue_.add(e.key);  // Queue has its own lock; never taken before ours, so no cycle
    }
    if (heap_.empty()) {
      cv_.wait(lock);
    } else {
      clock_.waitUntil(cv_, lock, heap_.top().readyAt);
    }
  }
}

void DelayingQueue::stopWaiting() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    heap_ = {};
    readyAt_.clear();
    cv_.notify_all();
  }
  if (waiter_.joinable() && waiter_.get_id() != std::this_thread::get_id()) waiter_.join();
}

void DelayingQueue::shutDown() {
  queue_.shutDown();
  stopWaiting();
}

bool DelayingQueue::shutDownWithDrain(Duration timeout) {
  stopWaiting();
  return queue_.shutDownWithDrain(timeout);
}

std::size_t DelayingQueue::waiting() const {
  std::lock_guard lock(mu_);
  return readyAt_.size();
}

}  // namespace iop::controller
