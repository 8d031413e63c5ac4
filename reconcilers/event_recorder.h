#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "kube/client.h"

namespace iop::reconcilers {

// Writes core/v1 Events about an object (the IstioOperator being reconciled). The same event
// (object uid, type, reason, message) is written at most once per `window`, so a reconcile
// loop that keeps hitting one problem cannot flood the API server. Failures to write an event
// are logged, never returned: events are a courtesy, not state. Thread-safe; client borrowed.
class EventRecorder {
 public:
  explicit EventRecorder(kube::Client& client, std::chrono::seconds window = std::chrono::minutes(10))
      : client_(client), window_(window) {}

  // type: "Normal" or "Warning". Blocks on one POST unless suppressed.
  void record(const nlohmann::json& object, const std::string& type, const std::string& reason,
              const std::string& message);

 private:
  kube::Client& client_;
  const std::chrono::seconds window_;
  std::mutex mu_;                                                      // guards last_
  std::map<std::string, std::chrono::steady_clock::time_point> last_;  // event identity -> when written
};

}  // namespace iop::reconcilers
