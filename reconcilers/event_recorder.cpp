#include "reconcilers/event_recorder.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "reconcilers/install_status.h"

namespace iop::reconcilers {

using json = nlohmann::json;

void EventRecorder::record(const json& object, const std::string& type, const std::string& reason,
                           const std::string& message) {
  const json meta = object.value("metadata", json::object());
  const std::string identity = meta.value("uid", "") + "|" + type + "|" + reason + "|" + message;
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    auto it = last_.find(identity);
    if (it != last_.end() && now - it->second < window_) return;
    last_[identity] = now;
    if (last_.size() > 10000) last_.clear();  // bounded memory; at worst an event is repeated
  }
  const std::string ns = meta.value("namespace", "default");
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".%llx",
                static_cast<unsigned long long>(std::chrono::system_clock::now().time_since_epoch().count()));
  const std::string ts = nowRfc3339();
  json event = {{"apiVersion", "v1"},
                {"kind", "Event"},
                {"metadata", {{"name", meta.value("name", "") + suffix}, {"namespace", ns}}},
                {"involvedObject",
                 {{"apiVersion", object.value("apiVersion", "")},
                  {"kind", object.value("kind", "")},
                  {"name", meta.value("name", "")},
                  {"namespace", ns},
                  {"uid", meta.value("uid", "")},
                  {"resourceVersion", meta.value("resourceVersion", "")}}},
                {"type", type},
                {"reason", reason},
                {"message", message.substr(0, 1024)},
                {"firstTimestamp", ts},
                {"lastTimestamp", ts},
                {"count", 1},
                {"source", {{"component", "iop"}}},
                {"reportingComponent", "iop"}};
  auto r = client_.create(kube::GroupVersionKind{"", "v1", "Event"}, ns, event);
  if (!r)
    spdlog::warn("recording event {} on {}/{}: {}", reason, ns, meta.value("name", ""), r.error().describe());
}

}  // namespace iop::reconcilers
