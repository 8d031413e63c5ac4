#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

#include "kube/client.h"

namespace iop::controller {

// rest_client_requests_total{code,method}, read from the kube client's own request counts at
// scrape time (kube/ knows nothing about prometheus). Code "<error>" counts requests that got
// no HTTP response, as client-go labels them. Borrows client, which must outlive it.
class RestClientCollector final : public prometheus::Collectable {
 public:
  explicit RestClientCollector(const kube::Client& client) : client_(client) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const kube::Client& client_;
};

}  // namespace iop::controller
