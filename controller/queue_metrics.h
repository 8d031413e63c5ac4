#pragma once

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace iop::controller {

// The workqueue_* series of one named queue. The pointers are borrowed from a prometheus
// registry that must outlive the queue (see Metrics::forQueue); any may be null, in which case
// that series is not recorded. Prometheus metrics are thread-safe.
struct QueueMetrics {
  prometheus::Gauge* depth = nullptr;              // workqueue_depth
  prometheus::Counter* adds = nullptr;             // workqueue_adds_total
  prometheus::Counter* retries = nullptr;          // workqueue_retries_total
  prometheus::Histogram* queueDuration = nullptr;  // workqueue_queue_duration_seconds
  prometheus::Histogram* workDuration = nullptr;   // workqueue_work_duration_seconds
};

}  // namespace iop::controller
