#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "controller/controller.h"
#include "controller/health.h"
#include "controller/http_server.h"
#include "controller/informer_factory.h"
#include "controller/leader_elector.h"
#include "controller/metrics.h"

namespace iop::controller {

struct ManagerOptions {
  // Borrowed, must outlive the manager. Required for informers and leader election; may be
  // null for a manager that only runs controllers fed by other sources.
  kube::Client* client = nullptr;
  // "host:port" or ":port"; "" serves nothing. The same address serves both sets of routes.
  std::string metricsAddress = ":8080";  // /metrics
  std::string healthAddress = ":8081";   // /healthz, /readyz (one server when equal, unless port 0)
  // When set, controllers run only while this replica holds the lease.
  std::optional<LeaderElectionConfig> leaderElection;
  // How long informers may take to list before start() gives up.
  Duration cacheSyncTimeout = std::chrono::minutes(2);
  // How long reconciles in flight may run on after a stop before their API requests are
  // cancelled by shutting down `client` (they then fail fast with Cancelled and return).
  // Leader election has a client of its own, so the lease is still released afterwards.
  Duration drainTimeout = std::chrono::seconds(5);
  // How long the ordered shutdown may take before start() returns an error anyway. The steps
  // are bounded on their own (drainTimeout, the elector's releaseTimeout, informers stop at
  // once), so this is a last resort that only a reconcile ignoring cancellation reaches.
  Duration gracePeriod = std::chrono::seconds(15);
  // Stop on SIGTERM/SIGINT (a second signal exits the process at once with status 1).
  bool handleSignals = true;
  // Called once on start()'s thread when every informer has listed for the first time, before
  // the controllers start (e.g. to give the memory of the initial LISTs back to the OS). Optional.
  std::function<void()> onCachesSynced;
};

// Runs the pieces of an operator in order: health and metrics endpoints, informers (waiting
// for their first list), leader election, controllers; and stops them in reverse order.
//
// Lifecycle: construct (starts nothing), add controllers and informers, start() once on a
// thread of the caller's (it blocks until stop(), a signal, or lost leadership). A client given
// in the options may be shut down by the manager when reconciles outlive drainTimeout: do not
// use it after start() returned. Accessors are
// thread-safe. Destroy only after start() returned, unless start() reported that the grace
// period ran out: then threads may still use the manager and the caller must end the process
// without destroying it (std::_Exit), as a Go operator exits leaving its goroutines.
class Manager {
 public:
  explicit Manager(ManagerOptions options);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  Metrics& metrics() { return metrics_; }
  HealthChecks& healthChecks() { return healthz_; }  // /healthz; "ping" is built in
  HealthChecks& readyChecks() { return readyz_; }    // /readyz; "informers-synced" is built in
  // Requires options.client. Informers asked for before start() are started by it.
  InformerFactory& informers();

  // Adds a controller (options.metrics is set to this manager's). Call before start(). The
  // manager owns it; the reference stays valid as long as the manager. reconciler is borrowed.
  Controller& addController(ControllerOptions options, Reconciler& reconciler);

  // Runs everything until stopped, then shuts down in order within the grace period. Blocks.
  // Returns nullopt after a clean stop; an error when called twice, when an address cannot
  // be bound, when caches do not sync in time, when leadership was lost, or when shutdown
  // exceeded the grace period.
  std::optional<std::string> start();

  // Asks start() to shut down and return. Thread-safe, non-blocking, idempotent.
  void stop() { stop_.request_stop(); }

  // Blocks until start() has bound its addresses (then the ports below are valid) or failed,
  // or timeout; returns whether it is serving.
  bool waitUntilServing(Duration timeout);
  unsigned short metricsPort() const { return metricsPort_; }
  unsigned short healthPort() const { return healthPort_; }
  // True while this manager's controllers are running (it leads, or needs no election).
  bool runningControllers() const { return running_; }
  bool isLeader() const;
  // After start() returned "leader election lost": why (LeaderElector::loss()); None otherwise.
  LeaseLoss leaseLoss() const { return lostLease_ && elector_ ? elector_->loss() : LeaseLoss::None; }
  std::string leaseLossDetail() const { return lostLease_ && elector_ ? elector_->lossDetail() : ""; }

 private:
  std::optional<std::string> serveHttp();
  void startControllers();
  void stopControllers();
  void setServing(bool ok);
  std::optional<std::string> shutDown();

  ManagerOptions options_;
  Metrics metrics_;
  HealthChecks healthz_;
  HealthChecks readyz_;
  std::unique_ptr<InformerFactory> informers_;  // null without a client
  // The elector's own client (same config as options_.client): its renewals do not queue behind
  // the workers' rate limiter, and its lease release still works after the workers' client was
  // shut down to cancel their requests. Null without leader election.
  std::unique_ptr<kube::Client> electionClient_;
  std::unique_ptr<LeaderElector> elector_;  // null without leader election
  std::vector<std::unique_ptr<Controller>> controllers_;
  std::vector<std::unique_ptr<HttpServer>> servers_;

  std::atomic<bool> started_{false};
  std::atomic<bool> running_{false};
  std::atomic<bool> lostLease_{false};
  std::stop_source stop_;

  std::mutex servingMu_;  // guards serving_
  std::condition_variable servingCv_;
  std::optional<bool> serving_;  // set once listen succeeded (true) or failed (false)
  std::atomic<unsigned short> metricsPort_{0};
  std::atomic<unsigned short> healthPort_{0};

  // Owned by start()'s thread and the elector's callbacks (which run while start() waits).
  std::mutex controllersMu_;  // guards controllerThreads_ and controllersRunning_
  std::condition_variable controllersCv_;
  std::vector<std::jthread> controllerThreads_;
  int controllersRunning_ = 0;  // controller threads whose start() has not returned
  std::vector<std::jthread> serverThreads_;
  std::jthread electorThread_;
  std::jthread signalThread_;
};

}  // namespace iop::controller
