#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "controller/clock.h"
#include "controller/lease_record.h"
#include "controller/metrics.h"
#include "kube/client.h"

namespace iop::controller {

struct LeaderElectionConfig {
  std::string leaseNamespace;
  std::string leaseName;
  std::string identity;  // unique per replica, e.g. the pod name plus a random suffix
  // client-go's defaults. Invariant (checked by validate()): retryPeriod < renewDeadline <
  // leaseDuration, so a leader that cannot renew stops its work before anyone may take over.
  Duration leaseDuration = std::chrono::seconds(15);
  Duration renewDeadline = std::chrono::seconds(10);
  Duration retryPeriod = std::chrono::seconds(2);
  // Longest wait for the release of the lease on a clean stop. A release that does not make it
  // (API server down or hung) only makes a standby wait out leaseDuration, so it must not hold
  // up the shutdown for long.
  Duration releaseTimeout = std::chrono::seconds(3);
  const Clock* clock = &realClock();  // borrowed; for every timing decision

  // An error naming the field, or nullopt.
  std::optional<std::string> validate() const;
};

// Why a leader stopped leading, when it was not asked to stop.
enum class LeaseLoss {
  None,
  RenewTimedOut,  // renewals failed for renewDeadline (API server unreachable or hung, conflicts)
  TakenOver,      // another identity holds the lease now
  // The end of this replica rather than a fault: its Lease was deleted while it held it, or the
  // API server no longer lets it in (401 Unauthorized: its ServiceAccount is gone; 403
  // Forbidden: its RBAC is). Both are what removing the operator does.
  Deleted,
  Revoked,
};

// What to do on leadership changes. Both are called on the elector's thread.
struct LeaderCallbacks {
  // Leadership was acquired: start the work. Must not block for long.
  std::function<void()> onStartedLeading;
  // Leadership ended (lost, or the elector is stopping): stop the work and return only when it
  // has stopped. Called only after onStartedLeading. On a clean stop the lease is released
  // after this returns, so nobody else starts before this replica's work has stopped.
  std::function<void()> onStoppedLeading;
};

// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection: acquire
// (create the Lease, or take it over once its holder has not renewed for leaseDuration),
// renew every retryPeriod, and give up when renewals fail for renewDeadline. Updates use the
// Lease's resourceVersion (optimistic concurrency), so two candidates never both win.
class LeaderElector {
 public:
  // client is borrowed and must outlive the elector; metrics may be null. Starts no thread.
  LeaderElector(kube::Client& client, LeaderElectionConfig config, Metrics* metrics);

  // Runs one term: waits to acquire, leads until the lease is lost or stop is requested, then
  // calls onStoppedLeading and, on stop, releases the lease (holder cleared, duration 1 s) so a
  // standby takes over at once. Blocks. Returns true when leadership was lost (the caller
  // should exit: the work must not continue without the lease), false on stop. A leader whose
  // Lease is deleted, or whose requests are refused with 401/403, stops at the first renewal
  // that sees it (unlike client-go, which would recreate the Lease): it was removed.
  bool run(std::stop_token stop, const LeaderCallbacks& callbacks);

  bool isLeader() const { return leader_; }
  // After run() returned true: why, and the error or holder that showed it. Read only after
  // run() returned (same thread, or synchronised with it).
  LeaseLoss loss() const { return loss_; }
  const std::string& lossDetail() const { return lossDetail_; }
  // What keeps the elector from the lease that will not fix itself by waiting (the lease's
  // namespace does not exist, the operator may not read or write leases there), with how to
  // fix it; nullopt while all is well or it merely waits for another holder. Thread-safe.
  std::optional<std::string> problem() const;
  const LeaderElectionConfig& config() const { return config_; }

 private:
  // One attempt to create, take over or renew the lease, bounded by deadline and cut short
  // by stop.
  bool tryAcquireOrRenew(TimePoint deadline, std::stop_token stop);
  void release();
  // Records what the last attempt ran into ("" when it worked), logging it when it changed.
  void report(const std::string& step, const kube::Error* error);
  // Sleeps for d on the configured clock; returns false if stop was requested.
  bool sleepFor(std::stop_token stop, Duration d);

  kube::Client& client_;
  const LeaderElectionConfig config_;
  prometheus::Gauge* status_;  // leader_election_master_status, may be null
  std::atomic<bool> leader_{false};
  mutable std::mutex problemMu_;  // guards problem_, lastError_
  std::string problem_;           // what problem() says, "" for nothing
  std::string lastError_;         // the last error logged, so a repeating one is logged once

  // Only touched on the run() thread.
  std::optional<nlohmann::json> lease_;  // the lease as last read or written
  // How the last failed tryAcquireOrRenew() failed, and what showed it.
  LeaseLoss lastFailure_ = LeaseLoss::RenewTimedOut;
  std::string lastFailureDetail_;
  LeaseLoss loss_ = LeaseLoss::None;
  std::string lossDetail_;
  LeaseRecord observed_;
  TimePoint observedAt_{};
};

}  // namespace iop::controller
