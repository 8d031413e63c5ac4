#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

#include "kube/client.h"

namespace iop::controller {

// rest_client_requests_total{code,method}, read from the kube clients' own request counts at
// scrape time (kube/ knows nothing about prometheus), summed over every client of the process
// (the workers' and the leader elector's). Code "<error>" counts requests that got no HTTP
// response, as client-go labels them. Borrows the clients, which must outlive it.
class RestClientCollector final : public prometheus::Collectable {
 public:
  explicit RestClientCollector(std::vector<const kube::Client*> clients) : clients_(std::move(clients)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::vector<const kube::Client*> clients_;
};

}  // namespace iop::controller
