#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "kube/client.h"

namespace iop::reconcilers {

struct EventRecorderOptions {
  // How long an Event keeps absorbing repeats; a repeat after that starts a new Event.
  std::chrono::seconds window = std::chrono::minutes(10);
  // A repeat bumps the Event's count and lastTimestamp with at most one PATCH per interval;
  // repeats in between are counted and written with the next PATCH.
  std::chrono::milliseconds patchInterval{1000};
  // Distinct messages per object, type and reason within the window before further ones are
  // folded into one "(combined from similar events)" Event, as client-go's aggregator does.
  int maxDistinctMessages = 4;
};

// Writes core/v1 Events about an object (the IstioOperator being reconciled), aggregated so a
// reconcile loop that keeps hitting one problem cannot flood the API server: a repeat of an
// event (same object uid, type, reason, message) within the window bumps `count` on the one
// Event already written instead of creating another; and at most maxDistinctMessages + 1
// Events exist per object, type and reason and window. Memory is bounded (at worst an event is
// written anew). Failures to write are logged, never returned: events are a courtesy, not
// state. Thread-safe; client borrowed.
class EventRecorder {
 public:
  explicit EventRecorder(kube::Client& client, EventRecorderOptions options = {})
      : client_(client), options_(options) {}

  // type: "Normal" or "Warning". Blocks on at most one POST or PATCH.
  void record(const nlohmann::json& object, const std::string& type, const std::string& reason,
              const std::string& message);

 private:
  using Clock = std::chrono::steady_clock;
  struct Written {
    std::string name;  // the Event object's name
    std::int64_t count = 0;
    std::string firstTimestamp;
    Clock::time_point firstSeen, lastSent;
  };

  kube::Client& client_;
  const EventRecorderOptions options_;
  std::mutex mu_;                                          // guards written_ and messages_
  std::map<std::string, Written> written_;                 // uid|type|reason|message -> its Event
  std::map<std::string, std::set<std::string>> messages_;  // uid|type|reason -> identities in written_
};

}  // namespace iop::reconcilers
