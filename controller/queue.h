#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "controller/clock.h"
#include "controller/queue_metrics.h"

namespace iop::controller {

// The basic work queue, the bottom layer (DelayingQueue and RateLimitingQueue build on it).
// Its rules, as client-go's workqueue:
//  - a key added several times before a worker takes it is handed out once (dedup);
//  - a key handed to a worker is "processing" until that worker calls done(key); it is never
//    handed to a second worker meanwhile, and an add() while processing is remembered and the
//    key is handed out again after done();
//  - keys are handed out in the order they were first added.
// All methods are thread-safe.
class Queue {
 public:
  struct Options {
    const Clock* clock = &realClock();  // borrowed; must outlive the queue
    QueueMetrics metrics;               // borrowed series; null ones are skipped
  };

  Queue() : Queue(Options{}) {}
  explicit Queue(Options options);
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // Never blocks. Ignored once the queue is shutting down.
  void add(const std::string& key);

  // Blocks until a key is available and returns it, now marked processing; the caller must
  // call done(key) when it has finished with it. Returns nullopt once the queue is shut down
  // (after shutDown(): at once; after shutDownWithDrain(): once no key is left queued).
  std::optional<std::string> get();

  // Marks key as no longer processing; if it was added meanwhile it is queued again.
  void done(const std::string& key);

  // The number of keys waiting to be handed out (not counting those processing).
  std::size_t len() const;

  // Stops accepting adds and wakes every get() with nullopt; queued keys are abandoned.
  // Keys already processing still need their done(). Does not block.
  void shutDown();

  // Stops accepting adds; get() keeps handing out the queued keys. Blocks until nothing is
  // queued or processing (workers must still be running to get there) or until timeout on the
  // queue's clock; returns whether the queue drained. After a timeout the rest is abandoned
  // as by shutDown().
  bool shutDownWithDrain(Duration timeout);

  bool shuttingDown() const;

 private:
  void updateDepth();  // requires mu_

  const Clock& clock_;
  const QueueMetrics metrics_;

  mutable std::mutex mu_;            // guards everything below
  std::condition_variable cv_;       // wakes get(): a key was queued or shutting down
  std::condition_variable drainCv_;  // wakes shutDownWithDrain(): the last key was done
  // Keys in hand-out order. Invariant: each is in dirty_ and not in processing_.
  std::deque<std::string> queue_;
  // Keys that need processing: queued, or processing and re-added since.
  std::unordered_set<std::string> dirty_;
  // Keys handed to a worker and not yet done().
  std::unordered_set<std::string> processing_;
  std::unordered_map<std::string, TimePoint> addedAt_;    // key -> when it became dirty
  std::unordered_map<std::string, TimePoint> startedAt_;  // processing key -> when handed out
  bool shuttingDown_ = false;
  bool draining_ = false;  // shutting down but still handing out queued keys
};

}  // namespace iop::controller
