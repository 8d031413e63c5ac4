#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "controller/http_server.h"

namespace iop::controller {

// A named check: nullopt when fine, else why not. Called on the HTTP server's thread, so it
// must be thread-safe and quick (no API calls: read a flag).
using HealthCheck = std::function<std::optional<std::string>()>;

// A set of named checks answered like kube-apiserver's /healthz and /readyz: 200 "ok" when
// all pass, else 500 listing "[-]name failed: reason"; "?verbose" lists every check.
// Thread-safe.
class HealthChecks {
 public:
  void add(std::string name, HealthCheck check);
  HttpResponse serve(const std::string& query) const;

 private:
  mutable std::mutex mu_;  // guards checks_
  std::vector<std::pair<std::string, HealthCheck>> checks_;
};

}  // namespace iop::controller
