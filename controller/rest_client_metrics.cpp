#include "controller/rest_client_metrics.h"

#include <map>

namespace iop::controller {

std::vector<prometheus::MetricFamily> RestClientCollector::Collect() const {
  prometheus::MetricFamily family;
  family.name = "rest_client_requests_total";
  family.help = "Number of HTTP requests, partitioned by status code and method.";
  family.type = prometheus::MetricType::Counter;
  std::map<std::pair<std::string, int>, std::uint64_t> counts;
  for (const auto* client : clients_)
    for (const auto& [key, count] : client->requestCounts()) counts[key] += count;
  for (const auto& [key, count] : counts) {
    const auto& [method, code] = key;
    prometheus::ClientMetric m;
    m.label = {{"code", code == 0 ? "<error>" : std::to_string(code)}, {"method", method}};
    m.counter.value = static_cast<double>(count);
    family.metric.push_back(std::move(m));
  }
  return {family};
}

}  // namespace iop::controller
