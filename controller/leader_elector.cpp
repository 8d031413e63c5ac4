#include "controller/leader_elector.h"

#include <prometheus/gauge.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace iop::controller {

using nlohmann::json;

namespace {

const kube::GroupVersionResource kLeases{"coordination.k8s.io", "v1", "leases"};

int wholeSeconds(Duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  return s < 1 ? 1 : static_cast<int>(s);
}

// Cancels token once deadline passes on the real clock, unless destroyed first: bounds one
// API call so a hung connection cannot stretch a renewal past the renew deadline.
class DeadlineCanceller {
 public:
  DeadlineCanceller(kube::CancelToken token, Duration timeout)
      : thread_([token, timeout](std::stop_token stop) {
          std::mutex m;
          std::condition_variable_any cv;
          std::unique_lock lock(m);
          if (!cv.wait_for(lock, stop, timeout, [] { return false; }) && !stop.stop_requested())
            token.cancel();
        }) {}

 private:
  std::jthread thread_;
};

}  // namespace

std::optional<std::string> LeaderElectionConfig::validate() const {
  if (leaseName.empty()) return "leader election: leaseName is empty";
  if (leaseNamespace.empty()) return "leader election: leaseNamespace is empty";
  if (identity.empty()) return "leader election: identity is empty";
  if (!(leaseDuration > renewDeadline))
    return "leader election: leaseDuration must be greater than renewDeadline";
  if (!(renewDeadline > retryPeriod))
    return "leader election: renewDeadline must be greater than retryPeriod";
  if (retryPeriod <= Duration::zero()) return "leader election: retryPeriod must be positive";
  if (releaseTimeout <= Duration::zero()) return "leader election: releaseTimeout must be positive";
  return std::nullopt;
}

LeaderElector::LeaderElector(kube::Client& client, LeaderElectionConfig config, Metrics* metrics)
    : client_(client),
      config_(std::move(config)),
      status_(metrics ? &metrics->leaderStatus(config_.leaseName) : nullptr) {
  if (status_) status_->Set(0);
}

bool LeaderElector::sleepFor(std::stop_token stop, Duration d) {
  std::mutex m;
  std::condition_variable cv;
  std::stop_callback wake(stop, [&] {
    std::lock_guard lock(m);
    cv.notify_all();
  });
  std::unique_lock lock(m);
  auto deadline = config_.clock->now() + d;
  while (!stop.stop_requested() && config_.clock->now() < deadline)
    config_.clock->waitUntil(cv, lock, deadline);
  return !stop.stop_requested();
}

bool LeaderElector::tryAcquireOrRenew(TimePoint deadline, std::stop_token stop) {
  const auto& c = config_;
  kube::CancelToken cancel;
  auto left = deadline - c.clock->now();
  if (left <= Duration::zero()) return false;
  DeadlineCanceller bound(cancel, left);
  // A stop while the API server hangs must not wait out the renew deadline.
  std::stop_callback onStop(stop, [&] { cancel.cancel(); });
  auto wallNow = microTime(std::chrono::system_clock::now());

  kube::GetOptions go;
  go.cancel = cancel;
  auto current = client_.get(kLeases, c.leaseNamespace, c.leaseName, go);
  lastFailure_ = LeaseLoss::RenewTimedOut;
  lastFailureDetail_.clear();
  auto refused = [&](const kube::Error& e) {
    if (!kube::isForbidden(e) && !kube::isUnauthorized(e)) return false;
    lastFailure_ = LeaseLoss::Revoked;
    lastFailureDetail_ = e.describe();
    return true;
  };
  if (!current && leader_ && kube::isNotFound(current.error())) {
    lastFailure_ = LeaseLoss::Deleted;
    lastFailureDetail_ = "Lease " + c.leaseNamespace + "/" + c.leaseName + " was deleted";
    return false;
  }
  if (!current) {
    if (refused(current.error())) {
      // A leader that is refused stops and says why (run()); one waiting for the lease retries.
      if (!leader_) report("get", &current.error());
      return false;
    }
    if (!kube::isNotFound(current.error())) {
      lastFailureDetail_ = current.error().describe();
      report("get", &current.error());
      return false;
    }
    json lease{{"apiVersion", "coordination.k8s.io/v1"},
               {"kind", "Lease"},
               {"metadata", {{"name", c.leaseName}, {"namespace", c.leaseNamespace}}}};
    LeaseRecord mine{c.identity, wholeSeconds(c.leaseDuration), wallNow, wallNow, 0};
    mine.writeTo(lease);
    kube::WriteOptions wo;
    wo.cancel = cancel;
    auto created = client_.create(kLeases, c.leaseNamespace, lease, wo);
    if (!created) {
      refused(created.error());
      if (!kube::isAlreadyExists(created.error())) report("create", &created.error());
      return false;
    }
    report("", nullptr);
    lease_ = *created;
    observed_ = mine;
    observedAt_ = c.clock->now();
    return true;
  }

  auto record = LeaseRecord::fromLease(*current);
  if (!(record == observed_)) {
    observed_ = record;
    observedAt_ = c.clock->now();
  }
  lease_ = *current;
  if (!mayAcquire(observed_, observedAt_, c.clock->now(), c.identity)) {
    report("", nullptr);  // the lease is readable: merely waiting for its holder is no problem
    lastFailure_ = LeaseLoss::TakenOver;
    lastFailureDetail_ = "held by " + observed_.holderIdentity;
    return false;
  }

  LeaseRecord mine = record;
  mine.leaseDurationSeconds = wholeSeconds(c.leaseDuration);
  mine.renewTime = wallNow;
  if (record.holderIdentity != c.identity) {
    mine.holderIdentity = c.identity;
    mine.acquireTime = wallNow;
    mine.leaseTransitions = record.leaseTransitions + 1;
  }
  json updated = *current;  // keeps metadata.resourceVersion: the update is conditional on it
  mine.writeTo(updated);
  kube::WriteOptions wo;
  wo.cancel = cancel;
  auto written = client_.update(kLeases, c.leaseNamespace, c.leaseName, updated, wo);
  if (!written) {
    refused(written.error());
    if (!kube::isConflict(written.error())) report("update", &written.error());
    return false;
  }
  report("", nullptr);
  lease_ = *written;
  observed_ = mine;
  observedAt_ = c.clock->now();
  return true;
}

std::optional<std::string> LeaderElector::problem() const {
  std::lock_guard lock(problemMu_);
  if (problem_.empty()) return std::nullopt;
  return problem_;
}

void LeaderElector::report(const std::string& step, const kube::Error* error) {
  const auto& c = config_;
  std::string problem, logged;
  if (error) {
    logged = step + ": " + error->describe();
    if (step == "create" && kube::isNotFound(*error)) {
      // Creating a Lease in a namespace that does not exist: waiting never fixes it.
      problem = "the leader-election namespace \"" + c.leaseNamespace +
                "\" does not exist, so no replica can take the lease and nothing is reconciled. Create it "
                "(kubectl create namespace " +
                c.leaseNamespace +
                "), install the operator there (iop operator init), point at the namespace the operator runs "
                "in (--leader-election-namespace or LEADER_ELECTION_NAMESPACE), or run a single replica "
                "without leader election (--leader-elect=false)";
    } else if (kube::isForbidden(*error)) {
      problem = "the operator may not " + step + " Leases in namespace \"" + c.leaseNamespace +
                "\": " + error->describe() +
                ". Grant it (the RBAC iop operator init installs does), or use --leader-election-namespace";
    }
  }
  std::lock_guard lock(problemMu_);
  problem_ = problem;
  if (logged == lastError_) return;
  lastError_ = logged;
  if (logged.empty()) return;
  if (!problem.empty()) {
    spdlog::error("leader election {}/{}: {} (said once; retrying every {} ms)", c.leaseNamespace,
                  c.leaseName, problem,
                  std::chrono::duration_cast<std::chrono::milliseconds>(c.retryPeriod).count());
  } else {
    spdlog::warn("leader election {}/{}: {} (logged again only when it changes)", c.leaseNamespace,
                 c.leaseName, logged);
  }
}

void LeaderElector::release() {
  const auto& c = config_;
  if (!lease_ || observed_.holderIdentity != c.identity) return;
  auto wallNow = microTime(std::chrono::system_clock::now());
  // As client-go: clear the holder and shorten the duration, keeping the transition count.
  LeaseRecord released{"", 1, wallNow, wallNow, observed_.leaseTransitions};
  json updated = *lease_;
  released.writeTo(updated);
  spdlog::info("leader election {}/{}: releasing the lease (waiting at most {} ms)", c.leaseNamespace,
               c.leaseName, std::chrono::duration_cast<std::chrono::milliseconds>(c.releaseTimeout).count());
  kube::CancelToken cancel;
  DeadlineCanceller bound(cancel, std::min(c.releaseTimeout, c.renewDeadline));
  kube::WriteOptions wo;
  wo.cancel = cancel;
  auto written = client_.update(kLeases, c.leaseNamespace, c.leaseName, updated, wo);
  if (!written) {
    spdlog::warn("leader election {}/{}: not released, a standby takes over once it expires: {}",
                 c.leaseNamespace, c.leaseName, written.error().describe());
    return;
  }
  spdlog::info("leader election {}/{}: released the lease", c.leaseNamespace, c.leaseName);
}

bool LeaderElector::run(std::stop_token stop, const LeaderCallbacks& callbacks) {
  const auto& c = config_;
  spdlog::info("leader election {}/{}: {} is waiting for the lease", c.leaseNamespace, c.leaseName,
               c.identity);
  while (!tryAcquireOrRenew(c.clock->now() + c.renewDeadline, stop)) {
    if (!sleepFor(stop, c.retryPeriod)) return false;
  }
  if (stop.stop_requested()) {
    release();
    return false;
  }
  leader_ = true;
  if (status_) status_->Set(1);
  spdlog::info("leader election {}/{}: {} acquired the lease", c.leaseNamespace, c.leaseName, c.identity);
  if (callbacks.onStartedLeading) callbacks.onStartedLeading();

  bool lost = false;
  auto lastRenew = c.clock->now();
  while (sleepFor(stop, c.retryPeriod)) {
    // Keep trying within this retry slot until it works or the renew deadline passes.
    auto giveUpAt = lastRenew + c.renewDeadline;
    if (tryAcquireOrRenew(giveUpAt, stop)) {
      lastRenew = c.clock->now();
      continue;
    }
    // Removed (Lease deleted, identity refused): no later renewal can succeed, so stop now
    // rather than logging refusals until the deadline.
    const bool removed = lastFailure_ == LeaseLoss::Deleted || lastFailure_ == LeaseLoss::Revoked;
    if (removed || c.clock->now() >= giveUpAt) {
      lost = !stop.stop_requested();
      break;
    }
  }
  if (lost) {
    loss_ = lastFailure_;
    lossDetail_ =
        loss_ == LeaseLoss::RenewTimedOut
            ? "no renewal for " +
                  std::to_string(
                      std::chrono::duration_cast<std::chrono::milliseconds>(c.renewDeadline).count()) +
                  " ms" + (lastFailureDetail_.empty() ? "" : " (last: " + lastFailureDetail_ + ")")
            : lastFailureDetail_;
    // Stop claiming leadership before the work stops: the work is being torn down. Removal is
    // the expected end of a replica, not an error.
    if (loss_ == LeaseLoss::Deleted || loss_ == LeaseLoss::Revoked)
      spdlog::info("leader election {}/{}: {} stops leading: {}", c.leaseNamespace, c.leaseName, c.identity,
                   lossDetail_);
    else
      spdlog::error("leader election {}/{}: {} lost the lease: {}", c.leaseNamespace, c.leaseName, c.identity,
                    lossDetail_);
  }
  leader_ = false;
  if (status_) status_->Set(0);
  if (callbacks.onStoppedLeading) callbacks.onStoppedLeading();
  if (!lost) release();
  return lost;
}

}  // namespace iop::controller
