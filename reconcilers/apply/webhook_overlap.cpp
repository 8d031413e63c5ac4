#include "reconcilers/apply/webhook_overlap.h"

#include <algorithm>
#include <map>
#include <set>

#include "reconcilers/api/labels.h"

namespace iop::reconcilers {

using json = nlohmann::json;

namespace {

const json& labelsOf(const json& o) {
  static const json empty = json::object();
  if (!o.contains("metadata") || !o["metadata"].contains("labels") || !o["metadata"]["labels"].is_object())
    return empty;
  return o["metadata"]["labels"];
}

// The revisions a configuration names: its istio.io/rev label and the istio.io/rev values of
// its selectors (extractRevisions).
std::set<std::string> revisionsOf(const json& config) {
  std::set<std::string> out;
  if (labelsOf(config).contains(kRevisionLabel))
    out.insert(labelsOf(config)[kRevisionLabel].get<std::string>());
  const json webhooks = config.value("webhooks", json::array());
  for (const auto& w : webhooks)
    for (const char* field : {"namespaceSelector", "objectSelector"}) {
      const json selector = w.value(field, json::object());
      if (!selector.is_object()) continue;
      const json labels = selector.value("matchLabels", json::object());
      if (labels.is_object() && labels.contains(kRevisionLabel) && labels[kRevisionLabel].is_string())
        out.insert(labels[kRevisionLabel].get<std::string>());
      const json expressions = selector.value("matchExpressions", json::array());
      for (const auto& e : expressions) {
        const json values = e.value("values", json::array());
        if (e.value("key", "") == kRevisionLabel)
          for (const auto& v : values)
            if (v.is_string()) out.insert(v.get<std::string>());
      }
    }
  return out;
}

bool isIstioWebhook(const json& config) {
  const json webhooks = config.value("webhooks", json::array());
  for (const auto& w : webhooks)
    if (w.value("name", "").ends_with("istio.io")) return true;
  return false;
}

// The analyzer's permutations: none, enabled, disabled; each again with istio.io/rev of every revision.
std::vector<json> permutations(const char* key, const char* on, const char* off,
                               const std::set<std::string>& revisions) {
  std::vector<json> base = {json::object(), {{key, on}}, {{key, off}}};
  std::vector<json> out = base;
  for (const auto& rev : revisions)
    for (json b : base) {
      b[kRevisionLabel] = rev;
      out.push_back(std::move(b));
    }
  return out;
}

}  // namespace

bool selectorMatches(const json& selector, const json& labels) {
  if (!selector.is_object()) return true;
  const json matchLabels = selector.value("matchLabels", json::object());
  for (const auto& [k, v] : matchLabels.items())
    if (!labels.contains(k) || labels[k] != v) return false;
  const json expressions = selector.value("matchExpressions", json::array());
  for (const auto& e : expressions) {
    const std::string key = e.value("key", ""), op = e.value("operator", "");
    const bool has = labels.contains(key);
    const json values = e.value("values", json::array());
    const bool in = has && std::find(values.begin(), values.end(), labels[key]) != values.end();
    if ((op == "In" && !in) || (op == "NotIn" && in) || (op == "Exists" && !has) ||
        (op == "DoesNotExist" && has))
      return false;
  }
  return true;
}

std::vector<std::string> webhookProblems(const std::vector<json>& live, const json& candidate,
                                         const std::vector<std::string>& services) {
  const std::string candidateName = candidate["metadata"].value("name", "");
  std::map<std::string, json> configs;  // by name: the candidate replaces its live copy
  for (const auto& c : live) configs[c["metadata"].value("name", "")] = c;
  configs[candidateName] = candidate;
  std::set<std::string> revisions;
  std::map<std::string, json> webhooks;  // "config/webhook" -> webhook
  for (const auto& [name, config] : configs) {
    auto revs = revisionsOf(config);
    if (revs.empty() && !isIstioWebhook(config)) continue;
    const json list = config.value("webhooks", json::array());
    for (const auto& w : list) webhooks[name + "/" + w.value("name", "")] = w;
    revisions.insert(revs.begin(), revs.end());
  }
  std::set<std::string> problems;
  for (const auto& ns : permutations("istio-injection", "enabled", "disabled", revisions))
    for (const auto& obj : permutations("sidecar.istio.io/inject", "true", "false", revisions)) {
      std::set<std::string> matches;
      for (const auto& [id, w] : webhooks)
        if (selectorMatches(w.value("namespaceSelector", json()), ns) &&
            selectorMatches(w.value("objectSelector", json()), obj))
          matches.insert(id);
      if (matches.size() < 2) continue;
      for (const auto& m : matches) {
        if (!m.starts_with(candidateName + "/")) continue;
        std::string others;
        for (const auto& o : matches)
          if (o != m) others += (others.empty() ? "" : " ") + o;
        problems.insert("Webhook overlaps with others: [" + others +
                        "]. This may cause injection to occur twice.");
      }
    }
  const json candidateWebhooks = candidate.value("webhooks", json::array());
  for (const auto& w : candidateWebhooks) {
    const json cc = w.value("clientConfig", json::object());
    if (!cc.contains("service")) continue;
    const std::string svc = cc["service"].value("namespace", "") + "/" + cc["service"].value("name", "");
    if (std::find(services.begin(), services.end(), svc) == services.end())
      problems.insert("Injector refers to a control plane service that does not exist: " + svc + ".");
  }
  return {problems.begin(), problems.end()};
}

}  // namespace iop::reconcilers
