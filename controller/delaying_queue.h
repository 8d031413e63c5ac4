#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "controller/queue.h"

namespace iop::controller {

// A Queue plus addAfter(): a key becomes available to get() once its delay has passed on the
// clock. A key waiting under several delays is added once, at the earliest. All methods are
// thread-safe.
//
// A waiting thread moves keys whose time has come into the queue. It is started by the first
// addAfter() with a positive delay (never by the constructor) and joined by shutDown(),
// shutDownWithDrain() or the destructor.
class DelayingQueue {
 public:
  using Options = Queue::Options;

  DelayingQueue() : DelayingQueue(Options{}) {}
  explicit DelayingQueue(Options options);
  ~DelayingQueue();
  DelayingQueue(const DelayingQueue&) = delete;
  DelayingQueue& operator=(const DelayingQueue&) = delete;

  // Adds key once delay has passed; a delay <= 0 adds it now. Never blocks. Ignored once the
  // queue is shutting down.
  void addAfter(const std::string& key, Duration delay);

  // The Queue layer; see Queue for the contract of each.
  void add(const std::string& key) { queue_.add(key); }
  std::optional<std::string> get() { return queue_.get(); }
  void done(const std::string& key) { queue_.done(key); }
  std::size_t len() const { return queue_.len(); }
  bool shuttingDown() const { return queue_.shuttingDown(); }
  // Both also drop the keys still waiting for their delay.
  void shutDown();
  bool shutDownWithDrain(Duration timeout);

  // The number of keys waiting for their delay (not yet in the queue).
  std::size_t waiting() const;

 private:
  struct Entry {
    TimePoint readyAt;
    std::uint64_t seq;  // keeps equal deadlines in insertion order
    std::string key;
    bool operator>(const Entry& o) const { return readyAt != o.readyAt ? readyAt > o.readyAt : seq > o.seq; }
  };

  void waitingLoop();
  void stopWaiting();

  const Clock& clock_;
  Queue queue_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  // Min-heap by readyAt. Entries whose readyAt no longer matches readyAt_[key] are stale
  // (superseded by an earlier deadline) and skipped when popped.
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
  std::unordered_map<std::string, TimePoint> readyAt_;  // key -> its earliest deadline
  std::uint64_t nextSeq_ = 0;
  bool stopping_ = false;
  std::thread waiter_;  // started by the first delayed addAfter()
};

}  // namespace iop::controller
