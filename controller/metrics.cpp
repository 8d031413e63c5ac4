#include "controller/metrics.h"

#include <prometheus/text_serializer.h>

namespace iop::controller {

namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

// controller-runtime's buckets for reconcile_time_seconds.
const prometheus::Histogram::BucketBoundaries& reconcileBuckets() {
  static const prometheus::Histogram::BucketBoundaries b{
      0.005, 0.01, 0.025, 0.05, 0.1,  0.15, 0.2,  0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
      0.7,   0.8,  0.9,   1.0,  1.25, 1.5,  1.75, 2.0,  2.5, 3.0,  3.5, 4.0,  4.5, 5,
      6,     7,    8,     9,    10,   15,   20,   25,   30,  40,   50,  60};
  return b;
}

// client-go's workqueue buckets: 10 ns to 10 s by powers of ten.
const prometheus::Histogram::BucketBoundaries& queueBuckets() {
  static const prometheus::Histogram::BucketBoundaries b{1e-8, 1e-7, 1e-6, 1e-5, 1e-4,
                                                         1e-3, 1e-2, 1e-1, 1,    10};
  return b;
}

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      reconcileTotal_(BuildCounter()
                          .Name("controller_runtime_reconcile_total")
                          .Help("Total number of reconciliations per controller")
                          .Register(*registry_)),
      reconcileErrors_(BuildCounter()
                           .Name("controller_runtime_reconcile_errors_total")
                           .Help("Total number of reconciliation errors per controller")
                           .Register(*registry_)),
      reconcileTime_(BuildHistogram()
                         .Name("controller_runtime_reconcile_time_seconds")
                         .Help("Length of time per reconciliation per controller")
                         .Register(*registry_)),
      maxConcurrent_(BuildGauge()
                         .Name("controller_runtime_max_concurrent_reconciles")
                         .Help("Maximum number of concurrent reconciles per controller")
                         .Register(*registry_)),
      activeWorkers_(BuildGauge()
                         .Name("controller_runtime_active_workers")
                         .Help("Number of currently used workers per controller")
                         .Register(*registry_)),
      depth_(BuildGauge().Name("workqueue_depth").Help("Current depth of workqueue").Register(*registry_)),
      adds_(BuildCounter()
                .Name("workqueue_adds_total")
                .Help("Total number of adds handled by workqueue")
                .Register(*registry_)),
      retries_(BuildCounter()
                   .Name("workqueue_retries_total")
                   .Help("Total number of retries handled by workqueue")
                   .Register(*registry_)),
      queueDuration_(BuildHistogram()
                         .Name("workqueue_queue_duration_seconds")
                         .Help("How long in seconds an item stays in workqueue before being requested")
                         .Register(*registry_)),
      workDuration_(BuildHistogram()
                        .Name("workqueue_work_duration_seconds")
                        .Help("How long in seconds processing an item from workqueue takes")
                        .Register(*registry_)),
      leaderStatus_(BuildGauge()
                        .Name("leader_election_master_status")
                        .Help("Gauge of if the reporting system is master of the relevant lease, 0 indicates "
                              "backup, 1 indicates master. 'name' is the string used to identify the lease.")
                        .Register(*registry_)) {}

QueueMetrics Metrics::forQueue(const std::string& name) {
  prometheus::Labels l{{"name", name}};
  return QueueMetrics{&depth_.Add(l), &adds_.Add(l), &retries_.Add(l), &queueDuration_.Add(l, queueBuckets()),
                      &workDuration_.Add(l, queueBuckets())};
}

ControllerMetrics Metrics::forController(const std::string& name) {
  prometheus::Labels l{{"controller", name}};
  ControllerMetrics m;
  m.success = &reconcileTotal_.Add({{"controller", name}, {"result", "success"}});
  m.error = &reconcileTotal_.Add({{"controller", name}, {"result", "error"}});
  m.requeueAfter = &reconcileTotal_.Add({{"controller", name}, {"result", "requeue_after"}});
  m.errors = &reconcileErrors_.Add(l);
  m.reconcileTime = &reconcileTime_.Add(l, reconcileBuckets());
  m.maxConcurrent = &maxConcurrent_.Add(l);
  m.activeWorkers = &activeWorkers_.Add(l);
  return m;
}

prometheus::Gauge& Metrics::leaderStatus(const std::string& leaseName) {
  return leaderStatus_.Add({{"name", leaseName}});
}

void Metrics::addCollectable(std::shared_ptr<prometheus::Collectable> collectable) {
  std::lock_guard lock(mu_);
  extra_.push_back(std::move(collectable));
}

std::string Metrics::serialize() const {
  auto families = registry_->Collect();
  {
    std::lock_guard lock(mu_);
    for (const auto& c : extra_) {
      auto more = c->Collect();
      families.insert(families.end(), std::make_move_iterator(more.begin()),
                      std::make_move_iterator(more.end()));
    }
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace iop::controller
