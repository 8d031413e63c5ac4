#include "reconcilers/operator/status_overview.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <map>
#include <optional>
#include <set>

#include "reconcilers/api/labels.h"
#include "reconcilers/apply/applier.h"
#include "reconcilers/apply/ownership.h"
#include "reconcilers/operator/operator_install.h"

namespace iop::reconcilers {

using json = nlohmann::json;

namespace {

// A lease renewed this long after its duration ran out still counts as held: the clocks of
// the operator and of this CLI may differ a little.
constexpr long kLeaseSlackSeconds = 5;

std::string str(const json& o, const char* key) {
  return o.is_object() && o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : "";
}
long num(const json& o, const char* key, long fallback = 0) {
  return o.is_object() && o.contains(key) && o[key].is_number_integer() ? o[key].get<long>() : fallback;
}
const json& at(const json& o, const char* key) {
  static const json kNull;
  return o.is_object() && o.contains(key) ? o[key] : kNull;
}
std::string label(const json& o, const char* key) {
  return str(at(at(o, "metadata"), "labels"), key);
}
std::string normalRevision(const std::string& r) {
  return r.empty() ? kDefaultRevision : r;
}

// The `n` digits of `t` at `pos` as a number; -1 unless they are all digits.
int digitsAt(const std::string& t, std::size_t pos, std::size_t n) {
  int v = 0;
  const char* end = t.data() + pos + n;
  auto [p, ec] = std::from_chars(t.data() + pos, end, v);
  return ec == std::errc() && p == end && t[pos] != '-' ? v : -1;
}

// "2026-11-29T12:00:00.123456Z" (or without fraction) as a time point; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parseTime(const std::string& text) {
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':')
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = digitsAt(text, 0, 4);
  tm.tm_mon = digitsAt(text, 5, 2);
  tm.tm_mday = digitsAt(text, 8, 2);
  tm.tm_hour = digitsAt(text, 11, 2);
  tm.tm_min = digitsAt(text, 14, 2);
  tm.tm_sec = digitsAt(text, 17, 2);
  for (int field : {tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec})
    if (field < 0) return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

WorkloadState workloadState(const json& w) {
  const json& meta = at(w, "metadata");
  WorkloadState s{str(w, "kind"), str(meta, "namespace"), str(meta, "name"), label(w, kComponentLabel),
                  normalRevision(label(w, kRevisionLabel))};
  const json& status = at(w, "status");
  if (s.kind == "DaemonSet") {
    s.desired = num(status, "desiredNumberScheduled");
    s.ready = num(status, "numberAvailable");
  } else {
    s.desired = num(at(w, "spec"), "replicas", 1);
    s.ready = num(status, "availableReplicas");
  }
  s.notReady = workloadNotReadyReason(w);
  return s;
}

std::string describe(const WorkloadState& w) {
  return w.kind + " " + w.ns + "/" + w.name;
}

}  // namespace

Overview computeOverview(const ClusterListing& listing, std::chrono::system_clock::time_point now) {
  Overview out;
  std::map<std::string, RevisionState> revisions;
  auto revision = [&](const std::string& r) -> RevisionState& {
    RevisionState& s = revisions[r];
    s.revision = s.operatorState.revision = r;
    return s;
  };

  for (const auto& d : listing.operatorDeployments) {
    const std::string r = normalRevision(label(d, "operator.istio.io/revision"));
    revision(r).operatorState.deployment =
        str(at(d, "metadata"), "namespace") + "/" + str(at(d, "metadata"), "name");
  }
  for (const auto& lease : listing.leases) {
    const std::string name = str(at(lease, "metadata"), "name");
    if (!name.starts_with("iop-") || !name.ends_with("-leader") || name.size() <= 11) continue;
    OperatorState& op = revision(name.substr(4, name.size() - 11)).operatorState;
    op.lease = str(at(lease, "metadata"), "namespace") + "/" + name;
    const json& spec = at(lease, "spec");
    op.holder = str(spec, "holderIdentity");
    if (auto renewed = parseTime(str(spec, "renewTime"))) {
      op.renewedSecondsAgo = std::chrono::duration_cast<std::chrono::seconds>(now - *renewed).count();
      op.running = !op.holder.empty() &&
                   op.renewedSecondsAgo <= num(spec, "leaseDurationSeconds", 15) + kLeaseSlackSeconds;
    }
  }
  // A namespace selecting a tag selects the revision the tag points at (the tag `default` also
  // takes the istio-injection=enabled ones).
  std::map<std::string, std::string> tagRevision;
  for (const auto& w : listing.tagWebhooks) {
    const std::string tag = label(w, kTagLabel);
    if (tag.empty()) continue;
    tagRevision[tag] = normalRevision(label(w, kRevisionLabel));
    revision(tagRevision[tag]).tags[tag];
  }
  for (const auto& n : listing.namespaces) {
    const std::string name = str(at(n, "metadata"), "name");
    std::string r = label(n, kRevisionLabel);
    if (r.empty() && label(n, "istio-injection") == "enabled") r = kDefaultRevision;
    if (r.empty()) continue;
    if (auto t = tagRevision.find(r); t != tagRevision.end())
      revision(t->second).tags[r].push_back(name);
    else
      revision(r).namespaces.push_back(name);
  }

  std::set<std::string> crs;  // "ns/name" of every IstioOperator
  for (const auto& cr : listing.istioOperators)
    crs.insert(str(at(cr, "metadata"), "namespace") + "/" + str(at(cr, "metadata"), "name"));
  std::map<std::string, std::vector<WorkloadState>> byOwner;                       // "ns/name"
  std::map<std::pair<std::string, std::string>, InstallationState> installations;  // (owner, revision)
  for (const auto& w : listing.workloads) {
    WorkloadState s = workloadState(w);
    if (s.component == "Pilot" && label(w, "app") == "istiod")
      revision(s.revision).controlPlanes.push_back(s.ns + "/" + s.name);
    const Owner owner = ownerOf(w);
    if (owner.name.empty()) continue;
    if (crs.count(owner.describe())) {
      byOwner[owner.describe()].push_back(std::move(s));
    } else {
      InstallationState& i = installations[{owner.describe(), s.revision}];
      i.owner = owner.describe();
      i.revision = s.revision;
      i.workloads.push_back(std::move(s));
    }
  }

  for (const auto& cr : listing.istioOperators) {
    const json& meta = at(cr, "metadata");
    IstioOperatorState s;
    s.ns = str(meta, "namespace");
    s.name = str(meta, "name");
    s.revision = normalRevision(str(at(cr, "spec"), "revision"));
    s.status = str(at(cr, "status"), "status");
    s.generation = num(meta, "generation");
    s.observedGeneration = num(at(cr, "status"), "observedGeneration");
    s.deleting = meta.contains("deletionTimestamp");
    const OperatorState& op = revision(s.revision).operatorState;
    s.handled = op.running;
    for (const auto& c : at(at(cr, "status"), "conditions"))
      s.conditions.push_back({str(c, "type"), str(c, "status"), str(c, "reason"), str(c, "message")});
    s.workloads = byOwner[s.ns + "/" + s.name];

    if (!s.handled)
      s.problems.push_back(
          "no operator of revision " + s.revision + " is running, so nothing reconciles it (" +
          (op.deployment.empty()
               ? "none is installed: iop operator init --revision " + s.revision
               : "Deployment " + op.deployment + " is installed but " +
                     (op.lease.empty() ? "holds no Lease" : "its Lease " + op.lease + " is not renewed")) +
          ")");
    if (s.status.empty()) {
      s.problems.push_back("never reconciled: its status is empty");
    } else {
      if (s.observedGeneration < s.generation)
        s.problems.push_back("its spec changed (generation " + std::to_string(s.generation) +
                             ") and the change is not reconciled yet (observed " +
                             std::to_string(s.observedGeneration) + ")");
      if (s.status != "HEALTHY") {
        std::string why;
        for (const auto& c : s.conditions)
          if (c.type == "Ready" && c.status != "True") why = c.message;
        s.problems.push_back("status " + s.status + (why.empty() ? "" : ": " + why));
      }
    }
    if (s.deleting) s.problems.push_back("being deleted");
    for (const auto& c : s.conditions)
      if (c.type == "ControlPlaneFound" && c.status != "True") s.problems.push_back(c.message);
    for (const auto& w : s.workloads)
      if (!w.notReady.empty()) s.problems.push_back(describe(w) + ": " + w.notReady);
    for (const auto& p : s.problems)
      out.problems.push_back("IstioOperator " + s.ns + "/" + s.name + ": " + p);
    out.istioOperators.push_back(std::move(s));
  }
  for (auto& [key, i] : installations) {
    for (const auto& w : i.workloads)
      if (!w.notReady.empty()) i.problems.push_back(describe(w) + ": " + w.notReady);
    for (const auto& p : i.problems)
      out.problems.push_back("installation " + i.owner + "@" + i.revision + ": " + p);
    out.installations.push_back(std::move(i));
  }
  for (auto& [r, s] : revisions) {
    std::sort(s.namespaces.begin(), s.namespaces.end());
    std::sort(s.controlPlanes.begin(), s.controlPlanes.end());
    if (!s.namespaces.empty() && s.controlPlanes.empty()) {
      std::string names;
      for (const auto& x : s.namespaces) names += (names.empty() ? "" : ", ") + x;
      out.problems.push_back("revision " + r +
                             ": namespaces select it but it has no control plane: " + names);
    }
    for (auto& [tag, namespaces] : s.tags) {
      std::sort(namespaces.begin(), namespaces.end());
      if (namespaces.empty() || !s.controlPlanes.empty()) continue;
      std::string names;
      for (const auto& x : namespaces) names += (names.empty() ? "" : ", ") + x;
      out.problems.push_back("revision " + r + ": namespaces select it through tag " + tag +
                             " but it has no control plane: " + names);
    }
    out.revisions.push_back(std::move(s));
  }
  return out;
}

kube::Result<ClusterListing> listForOverview(kube::Client& client) {
  ClusterListing l;
  auto items = [](json& list) {
    std::vector<json> out;
    for (auto& i : list["items"]) out.push_back(std::move(i));
    return out;
  };
  // Each error names its request (the path says which list failed).
  auto named = [](const kube::Error& e, const std::string&) { return e; };
  auto crs = client.listAll(kIstioOperatorGVK, "");
  if (crs) {
    l.istioOperators = items(*crs);
  } else if (!kube::isNotFound(crs.error()) && !kube::isNoKindMatch(crs.error())) {
    return named(crs.error(), "IstioOperators");
  }
  const std::string managed = std::string(kManagedLabel) + "=" + kManagedValue;
  for (const char* kind : {"Deployment", "DaemonSet"}) {
    auto list = client.listAll(kube::GroupVersionKind{"apps", "v1", kind}, "", {.labelSelector = managed});
    if (!list) return named(list.error(), std::string(kind) + "s");
    for (auto& w : items(*list)) {
      w["kind"] = kind;
      l.workloads.push_back(std::move(w));
    }
  }
  auto operators = client.listAll(kube::GroupVersionKind{"apps", "v1", "Deployment"}, "",
                                  {.labelSelector = "app=istio-operator,app.kubernetes.io/managed-by=iop"});
  if (!operators) return named(operators.error(), "the operators' Deployments");
  l.operatorDeployments = items(*operators);
  auto leases = client.listAll(kube::GroupVersionKind{"coordination.k8s.io", "v1", "Lease"}, "");
  if (!leases) return named(leases.error(), "Leases");
  for (auto& lease : items(*leases)) {
    const std::string name = lease["metadata"].value("name", "");
    if (name.starts_with("iop-") && name.ends_with("-leader")) l.leases.push_back(std::move(lease));
  }
  auto namespaces = client.listAll(kube::GroupVersionKind{"", "v1", "Namespace"}, "");
  if (!namespaces) return named(namespaces.error(), "Namespaces");
  l.namespaces = items(*namespaces);
  auto tags = client.listAll(
      kube::GroupVersionKind{"admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration"}, "",
      {.labelSelector = kTagLabel});
  if (!tags) return named(tags.error(), "MutatingWebhookConfigurations");
  l.tagWebhooks = items(*tags);
  return l;
}

json overviewJson(const Overview& o) {
  auto workloads = [](const std::vector<WorkloadState>& ws) {
    json out = json::array();
    for (const auto& w : ws)
      out.push_back({{"kind", w.kind},
                     {"namespace", w.ns},
                     {"name", w.name},
                     {"component", w.component},
                     {"revision", w.revision},
                     {"ready", w.ready},
                     {"desired", w.desired},
                     {"notReady", w.notReady}});
    return out;
  };
  json out = {{"healthy", o.healthy()},
              {"problems", o.problems},
              {"istioOperators", json::array()},
              {"installations", json::array()},
              {"revisions", json::array()}};
  for (const auto& s : o.istioOperators) {
    json conditions = json::array();
    for (const auto& c : s.conditions)
      conditions.push_back(
          {{"type", c.type}, {"status", c.status}, {"reason", c.reason}, {"message", c.message}});
    out["istioOperators"].push_back({{"namespace", s.ns},
                                     {"name", s.name},
                                     {"revision", s.revision},
                                     {"handledByRunningOperator", s.handled},
                                     {"status", s.status},
                                     {"generation", s.generation},
                                     {"observedGeneration", s.observedGeneration},
                                     {"deleting", s.deleting},
                                     {"conditions", conditions},
                                     {"workloads", workloads(s.workloads)},
                                     {"healthy", s.problems.empty()},
                                     {"problems", s.problems}});
  }
  for (const auto& i : o.installations)
    out["installations"].push_back({{"owner", i.owner},
                                    {"revision", i.revision},
                                    {"workloads", workloads(i.workloads)},
                                    {"healthy", i.problems.empty()},
                                    {"problems", i.problems}});
  for (const auto& r : o.revisions)
    out["revisions"].push_back({{"revision", r.revision},
                                {"operator",
                                 {{"deployment", r.operatorState.deployment},
                                  {"lease", r.operatorState.lease},
                                  {"holder", r.operatorState.holder},
                                  {"renewedSecondsAgo", r.operatorState.renewedSecondsAgo},
                                  {"running", r.operatorState.running}}},
                                {"controlPlanes", r.controlPlanes},
                                {"namespaces", r.namespaces},
                                {"tags", r.tags}});
  return out;
}

}  // namespace iop::reconcilers
