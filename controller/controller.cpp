#include "controller/controller.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <thread>
#include <vector>

#include "controller/logging.h"

namespace iop::controller {

namespace {

std::unique_ptr<RateLimiter> limiterOrDefault(ControllerOptions& o) {
  return o.rateLimiter ? std::move(o.rateLimiter) : defaultControllerRateLimiter(*o.clock);
}

Queue::Options queueOptions(const ControllerOptions& o) {
  return Queue::Options{o.clock, o.metrics ? o.metrics->forQueue(o.name) : QueueMetrics{}};
}

void inc(prometheus::Counter* c) {
  if (c) c->Increment();
}

}  // namespace

Controller::Controller(ControllerOptions options, Reconciler& reconciler)
    : name_(options.name),
      workers_(options.workers < 1 ? 1 : options.workers),
      clock_(*options.clock),
      reconciler_(reconciler),
      metrics_(options.metrics ? options.metrics->forController(options.name) : ControllerMetrics{}),
      queue_(limiterOrDefault(options), queueOptions(options)) {
  if (metrics_.maxConcurrent) metrics_.maxConcurrent->Set(workers_);
}

Controller::~Controller() {
  queue_.shutDown();
}

std::optional<std::string> Controller::start(std::stop_token stop) {
  if (started_.exchange(true)) return "controller " + name_ + ": start called twice; a controller runs once";
  std::stop_callback onStop(stop, [this] { queue_.shutDown(); });
  spdlog::info("controller {}: starting {} workers", name_, workers_);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < workers_; ++i) threads.emplace_back([this] { worker(); });
  }  // joins: every worker returns once the queue is shut down and its reconcile returned
  spdlog::info("controller {}: all workers stopped", name_);
  return std::nullopt;
}

void Controller::worker() {
  while (auto key = queue_.get()) processOne(*key);
}

void Controller::processOne(const std::string& key) {
  LogContext logContext(name_, key);
  if (metrics_.activeWorkers) metrics_.activeWorkers->Increment();
  ++inFlight_;
  auto began = clock_.now();
  Result result = Result::done();
  try {
    result = reconciler_.reconcile(Request::fromKey(key));
  } catch (const std::exception& e) {
    result = Result::error(std::string("reconcile threw: ") + e.what());
  } catch (...) {
    result = Result::error("reconcile threw a non-standard exception");
  }
  if (metrics_.reconcileTime)
    metrics_.reconcileTime->Observe(std::chrono::duration<double>(clock_.now() - began).count());
  if (metrics_.activeWorkers) metrics_.activeWorkers->Decrement();
  --inFlight_;

  switch (result.kind()) {
    case Result::Kind::Done:
      queue_.forget(key);
      failures_.forget(key);
      inc(metrics_.success);
      spdlog::debug("reconciled");
      break;
    case Result::Kind::RequeueAfter:
      queue_.forget(key);
      failures_.forget(key);
      queue_.addAfter(key, result.after());
      inc(metrics_.requeueAfter);
      spdlog::debug("reconciled; again in {} ms",
                    std::chrono::duration_cast<std::chrono::milliseconds>(result.after()).count());
      break;
    case Result::Kind::Error:
      queue_.addRateLimited(key);
      inc(metrics_.error);
      inc(metrics_.errors);
      // Once per change of the message; the retries themselves back off exponentially.
      if (failures_.changed(key, result.message())) {
        spdlog::error("reconcile failed (retrying with backoff; logged again only when this changes): {}",
                      result.message());
      } else {
        spdlog::debug("reconcile failed again (retry {}): {}", queue_.numRequeues(key), result.message());
      }
      break;
    case Result::Kind::TerminalError:
      queue_.forget(key);
      inc(metrics_.error);
      inc(metrics_.errors);
      if (failures_.changed(key, result.message()))
        spdlog::error("reconcile failed and will not be retried until the object changes: {}",
                      result.message());
      break;
  }
  queue_.done(key);
}

}  // namespace iop::controller
