#pragma once

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "controller/queue_metrics.h"

namespace iop::controller {

// The series of one controller, labelled {controller=name}. Borrowed from Metrics.
struct ControllerMetrics {
  prometheus::Counter* success = nullptr;          // controller_runtime_reconcile_total{result="success"}
  prometheus::Counter* error = nullptr;            // ...{result="error"}
  prometheus::Counter* requeueAfter = nullptr;     // ...{result="requeue_after"}
  prometheus::Counter* errors = nullptr;           // controller_runtime_reconcile_errors_total
  prometheus::Histogram* reconcileTime = nullptr;  // controller_runtime_reconcile_time_seconds
  prometheus::Gauge* maxConcurrent = nullptr;      // controller_runtime_max_concurrent_reconciles
  prometheus::Gauge* activeWorkers = nullptr;      // controller_runtime_active_workers
};

// A prometheus registry holding the metric families Go operators export (controller-runtime
// and client-go names, so their dashboards work unchanged), and the text exposition of it.
// Thread-safe. The pointers handed out stay valid as long as this object.
class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  prometheus::Registry& registry() { return *registry_; }

  QueueMetrics forQueue(const std::string& name);
  ControllerMetrics forController(const std::string& name);
  prometheus::Gauge& leaderStatus(const std::string& leaseName);  // leader_election_master_status

  // Adds a collectable whose families are served next to the registry's (e.g. a collector
  // reading another layer's counters at scrape time). Shared: kept alive by this object.
  void addCollectable(std::shared_ptr<prometheus::Collectable> collectable);

  // Everything, in the Prometheus text exposition format (version 0.0.4).
  std::string serialize() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& reconcileTotal_;
  prometheus::Family<prometheus::Counter>& reconcileErrors_;
  prometheus::Family<prometheus::Histogram>& reconcileTime_;
  prometheus::Family<prometheus::Gauge>& maxConcurrent_;
  prometheus::Family<prometheus::Gauge>& activeWorkers_;
  prometheus::Family<prometheus::Gauge>& depth_;
  prometheus::Family<prometheus::Counter>& adds_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Histogram>& queueDuration_;
  prometheus::Family<prometheus::Histogram>& workDuration_;
  prometheus::Family<prometheus::Gauge>& leaderStatus_;

  mutable std::mutex mu_;  // guards extra_
  std::vector<std::shared_ptr<prometheus::Collectable>> extra_;
};

}  // namespace iop::controller
