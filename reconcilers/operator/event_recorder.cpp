#include "reconcilers/operator/event_recorder.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "reconcilers/operator/install_status.h"

namespace iop::reconcilers {

using json = nlohmann::json;

namespace {

const kube::GroupVersionKind kEvent{"", "v1", "Event"};

}  // namespace

void EventRecorder::record(const json& object, const std::string& type, const std::string& reason,
                           const std::string& message) {
  const json meta = object.value("metadata", json::object());
  const std::string ns = meta.value("namespace", "default");
  const std::string reasonKey = meta.value("uid", "") + "|" + type + "|" + reason;
  std::string identity = reasonKey + "|" + message;
  std::string text = message;
  const std::string ts = nowRfc3339();
  const auto now = Clock::now();
  Written sent;
  bool create = false;
  {
    std::lock_guard lock(mu_);
    if (written_.size() > 10000) {
      written_.clear();
      messages_.clear();
    }
    auto& ids = messages_[reasonKey];
    for (auto it = ids.begin(); it != ids.end();) {
      auto w = written_.find(*it);
      if (w != written_.end() && now - w->second.firstSeen < options_.window) {
        ++it;
        continue;
      }
      if (w != written_.end()) written_.erase(w);
      it = ids.erase(it);
    }
    if (!ids.count(identity) && static_cast<int>(ids.size()) >= options_.maxDistinctMessages) {
      identity = reasonKey + "|*";
      text = "(combined from similar events): " + message;
    }
    ids.insert(identity);
    Written& w = written_[identity];
    create = w.name.empty();
    if (create) {
      char suffix[32];
      std::snprintf(
          suffix, sizeof suffix, ".%llx",
          static_cast<unsigned long long>(std::chrono::system_clock::now().time_since_epoch().count()));
      w.name = meta.value("name", "") + suffix;
      w.firstTimestamp = ts;
      w.firstSeen = now;
    } else if (now - w.lastSent < options_.patchInterval) {
      ++w.count;  // written with the next PATCH
      return;
    }
    ++w.count;
    w.lastSent = now;
    sent = w;
  }
  json event = {{"apiVersion", "v1"},
                {"kind", "Event"},
                {"metadata", {{"name", sent.name}, {"namespace", ns}}},
                {"involvedObject",
                 {{"apiVersion", object.value("apiVersion", "")},
                  {"kind", object.value("kind", "")},
                  {"name", meta.value("name", "")},
                  {"namespace", ns},
                  {"uid", meta.value("uid", "")},
                  {"resourceVersion", meta.value("resourceVersion", "")}}},
                {"type", type},
                {"reason", reason},
                {"message", text.substr(0, 1024)},
                {"firstTimestamp", sent.firstTimestamp},
                {"lastTimestamp", ts},
                {"count", sent.count},
                {"source", {{"component", "iop"}}},
                {"reportingComponent", "iop"}};
  kube::Result<json> r = kube::Error::invalid("not sent");
  if (!create) {
    r = client_.mergePatch(kEvent, ns, sent.name,
                           {{"count", sent.count}, {"lastTimestamp", ts}, {"message", text.substr(0, 1024)}});
    // Expired (events have a TTL) or deleted: write it anew under the same name.
    if (!r && kube::isNotFound(r.error())) create = true;
  }
  if (create) r = client_.create(kEvent, ns, event);
  if (!r)
    spdlog::warn("recording event {} on {}/{}: {}", reason, ns, meta.value("name", ""), r.error().describe());
}

}  // namespace iop::reconcilers
