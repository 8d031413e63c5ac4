#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "controller/change_log.h"
#include "controller/metrics.h"
#include "controller/rate_limiting_queue.h"
#include "controller/reconciler.h"

namespace iop::controller {

struct ControllerOptions {
  std::string name;                          // required: labels the metrics and every log line
  int workers = 4;                           // reconciles running at once, >= 1
  const Clock* clock = &realClock();         // borrowed; must outlive the controller
  std::unique_ptr<RateLimiter> rateLimiter;  // null: defaultControllerRateLimiter(*clock)
  Metrics* metrics = nullptr;                // borrowed; null: nothing recorded
};

// Feeds keys from a rate-limited work queue to a Reconciler on N worker threads. Event sources
// (informer handlers, the reconciler itself) call enqueue() at any time, also before start()
// and while this replica is not the leader: the queue dedups, so it holds each key once.
class Controller {
 public:
  // reconciler is borrowed and must outlive the controller. Starts no thread.
  Controller(ControllerOptions options, Reconciler& reconciler);
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;
  ~Controller();

  const std::string& name() const { return name_; }
  int workers() const { return workers_; }

  // Thread-safe, never block. Ignored once the controller has stopped.
  void enqueue(const Request& request) { queue_.add(request.key()); }
  void enqueueAfter(const Request& request, Duration delay) { queue_.addAfter(request.key(), delay); }

  // Runs the workers until stop is requested, then abandons the queued keys, waits for the
  // reconciles in flight to return and joins the workers. Blocks the caller throughout.
  // Returns an error if called a second time (a controller runs once).
  std::optional<std::string> start(std::stop_token stop);

  // Reconciles running right now (for the shutdown log). Thread-safe.
  int inFlight() const { return inFlight_; }

  // For tests and diagnostics.
  RateLimitingQueue& queue() { return queue_; }

 private:
  void worker();
  void processOne(const std::string& key);

  const std::string name_;
  const int workers_;
  const Clock& clock_;
  Reconciler& reconciler_;
  ControllerMetrics metrics_;  // null pointers when no Metrics was given
  RateLimitingQueue queue_;
  std::atomic<bool> started_{false};
  std::atomic<int> inFlight_{0};
  // What was last logged about each key that failed: a persisting failure is logged once.
  ChangeLog failures_;
};

}  // namespace iop::controller
