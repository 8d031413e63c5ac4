#include "reconcilers/apply/applier.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>

#include "reconcilers/apply/concurrently.h"
#include "reconcilers/apply/desired_hash.h"

namespace iop::reconcilers {

using json = nlohmann::json;
using Action = ObjectOutcome::Action;

namespace {

const kube::GroupVersionKind kNamespace{"", "v1", "Namespace"};

std::string key(const std::string& kind, const std::string& ns, const std::string& name) {
  return kind + "|" + ns + "|" + name;
}

std::string objectKeyOf(const json& o) {
  const json meta = o.value("metadata", json::object());
  const OwnedKind* k = ownedKind(o.value("kind", ""));
  return key(o.value("kind", ""), k && k->namespaced ? meta.value("namespace", "") : "",
             meta.value("name", ""));
}

std::int64_t num(const json& o, const char* field, std::int64_t fallback = 0) {
  if (!o.is_object() || !o.contains(field) || !o[field].is_number_integer()) return fallback;
  return o[field].get<std::int64_t>();
}

// Whether iop's field manager owns spec.replicas of a live object.
bool iopOwnsReplicas(const json& live) {
  for (const auto& m : live["metadata"].value("managedFields", json::array())) {
    if (m.value("manager", "") != kFieldManager || m.value("operation", "") != "Apply") continue;
    const json fields = m.value("fieldsV1", json::object());
    if (fields.contains("f:spec") && fields["f:spec"].contains("f:replicas")) return true;
  }
  return false;
}

// A workload that now leaves its replicas to an HPA, whose live replicas iop set until now.
bool handsReplicasOver(const json& live, const json& desired) {
  const std::string kind = desired.value("kind", "");
  if (kind != "Deployment") return false;
  const json spec = desired.value("spec", json::object());
  return !spec.contains("replicas") && live.contains("spec") && live["spec"].contains("replicas") &&
         iopOwnsReplicas(live);
}

}  // namespace

namespace {

// A resource quantity ("2", "2000m", "1Gi", "1024Mi", "0.5") as a number; nullopt when it is none.
std::optional<long double> quantity(const std::string& s) {
  static const std::pair<const char*, long double> suffixes[] = {
      {"Ki", 1024.0L}, {"Mi", 1048576.0L}, {"Gi", 1073741824.0L}, {"Ti", 1099511627776.0L},
      {"k", 1e3L},     {"M", 1e6L},        {"G", 1e9L},           {"T", 1e12L}};
  std::size_t end = 0;
  long double v = 0;
  try {
    v = std::stold(s, &end);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string rest = s.substr(end);
  if (rest.empty()) return v;
  if (rest == "m") return v / 1000.0L;
  for (const auto& [suffix, factor] : suffixes)
    if (rest == suffix) return v * factor;
  return std::nullopt;
}

// The path of the first field of `desired` that `live` does not match, "" when none.
std::string difference(const json& live, const json& desired, bool quantities, const std::string& path) {
  if (desired.is_null()) return live.is_null() ? "" : path;
  if (desired.is_object()) {
    if (!live.is_object()) return path;
    for (const auto& [k, v] : desired.items()) {
      auto it = live.find(k);
      if (it == live.end()) {
        // The API server drops Go's zero values (omitempty): null, "", false, 0, {} and [].
        if (v.is_null() || v == "" || v == false || v == 0 || ((v.is_object() || v.is_array()) && v.empty()))
          continue;
        return path + "." + k;
      }
      auto d = difference(*it, v, quantities || k == "limits" || k == "requests", path + "." + k);
      if (!d.empty()) return d;
    }
    return "";
  }
  if (desired.is_array()) {
    if (!live.is_array() || live.size() != desired.size()) return path;
    for (std::size_t i = 0; i < desired.size(); ++i) {
      auto d = difference(live[i], desired[i], false, path + "[" + std::to_string(i) + "]");
      if (!d.empty()) return d;
    }
    return "";
  }
  if (desired.is_number() && live.is_number()) return desired.get<double>() == live.get<double>() ? "" : path;
  if (quantities && desired.is_string() && live.is_string() && desired != live) {
    // The server canonicalizes quantities ("2000m" is stored as "2").
    auto a = quantity(desired.get<std::string>()), b = quantity(live.get<std::string>());
    return a && b && *a == *b ? "" : path;
  }
  return desired == live ? "" : path;
}

// istiod's validation controller switches the webhooks of its ValidatingWebhookConfiguration from
// the fail-open failurePolicy Istio's chart installs (Ignore) to Fail once a request through the
// API server has reached it ("Fail open until the validation webhook is ready", the chart says).
// That switch is istiod's to make, not drift: repairing it would have the operator and istiod
// rewrite the object in a loop (found by running istiod in the tests), and would reopen the
// webhook. A desired Ignore that istiod turned into Fail is compared as Fail.
json withIstiodFailurePolicy(const json& live, json desired) {
  if (desired.value("kind", "") != "ValidatingWebhookConfiguration" || !desired.contains("webhooks") ||
      !live.contains("webhooks") || !desired["webhooks"].is_array() || !live["webhooks"].is_array())
    return desired;
  auto& hooks = desired["webhooks"];
  const auto& liveHooks = live["webhooks"];
  for (std::size_t i = 0; i < hooks.size() && i < liveHooks.size(); ++i) {
    if (!hooks[i].is_object() || !liveHooks[i].is_object()) continue;
    if (hooks[i].value("failurePolicy", "") == "Ignore" &&
        liveHooks[i].value("failurePolicy", "") == "Fail" &&
        hooks[i].value("name", "") == liveHooks[i].value("name", ""))
      hooks[i]["failurePolicy"] = "Fail";
  }
  return desired;
}

}  // namespace

std::string driftedField(const json& live, const json& desired) {
  return difference(live, withIstiodFailurePolicy(live, desired), false, "");
}

int ApplyReport::count(Action action) const {
  int n = 0;
  for (const auto& o : outcomes) n += o.action == action ? 1 : 0;
  return n;
}

OwnerExists ownerExistsVia(kube::Client& client) {
  return [&client](const Owner& owner) {
    auto r = client.get(kIstioOperatorGVK, owner.ns, owner.name);
    if (r) return !(*r)["metadata"].contains("deletionTimestamp");
    return !(kube::isNotFound(r.error()) || kube::isNoKindMatch(r.error()));
  };
}

Applier::Applier(kube::Client& client, LiveState& live, OwnerExists ownerExists, int writers)
    : client_(client), live_(live), ownerExists_(std::move(ownerExists)), writers_(std::max(1, writers)) {}

kube::Result<void> Applier::ensureNamespace(const std::string& ns) {
  auto got = client_.get(kNamespace, "", ns);
  if (got) return {};
  if (!kube::isNotFound(got.error())) return got.error();
  auto created = client_.create(kNamespace, "",
                                {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}},
                                {.fieldManager = kFieldManager});
  if (!created && !kube::isAlreadyExists(created.error())) return created.error();
  return {};
}

kube::Result<void> Applier::joinCoOwners(const OwnedKind& kind, const json& live, const Installation& me) {
  auto listed = [&me](const json& o) {
    for (const auto& i : coOwnersOf(o))
      if (i == me) return true;
    return false;
  };
  if (listed(live)) return {};
  const json& meta = live["metadata"];
  const std::string ns = kind.namespaced ? meta.value("namespace", "") : "";
  const std::string name = meta.value("name", "");
  for (int attempt = 0;; ++attempt) {
    // The cached copy may lag: the list is rewritten from a fresh read, with its resourceVersion.
    auto fresh = client_.get(kind.gvk, ns, name);
    if (!fresh) return fresh.error();
    if (listed(*fresh)) return {};
    std::vector<Installation> coOwners = coOwnersOf(*fresh);
    coOwners.push_back(me);
    json patch = {{"metadata",
                   {{"resourceVersion", (*fresh)["metadata"]["resourceVersion"]},
                    {"annotations", {{kCoOwnersAnnotation, coOwnersValue(coOwners)}}}}}};
    auto r = client_.mergePatch(kind.gvk, ns, name, patch, {.fieldManager = kFieldManager});
    if (r || !kube::isConflict(r.error()) || attempt == 4) {
      if (!r) return r.error();
      return {};
    }
  }
}

namespace {

std::string foreignMessage(const std::string& object) {
  return object + " exists and no IstioOperator installed it (it has no " + kManagedLabel + "=" +
         kManagedValue + " label): left alone; annotate the IstioOperator with " + kAdoptAnnotation +
         "=\"true\" (iop install --force) to take it over";
}

}  // namespace

ApplyReport Applier::apply(const std::vector<RenderedObject>& objects, const Owner& owner, bool perRevision,
                           bool adopt) {
  ApplyReport report;
  report.outcomes.resize(objects.size());
  // One lookup per other owner per call: every object of a previous installation names the same one.
  std::mutex ownersMu;  // guards ownersExisting: the concurrent writes ask too
  std::map<std::string, bool> ownersExisting;
  const OwnerExists otherOwnerExists = [&](const Owner& o) {
    std::lock_guard lock(ownersMu);
    auto [it, fresh] = ownersExisting.try_emplace(o.describe(), false);
    if (fresh) it->second = ownerExists_(o);
    return it->second;
  };
  std::set<std::string> namespacesChecked;
  // What to write for an object that needs it: the desired copy and its live copy, if any.
  struct Write {
    std::size_t index;
    OwnedKind kind;
    json desired;
    std::optional<json> live;
    bool wasCoOwner;  // taken over from a gone owner whose co-owner list names us
    std::string ns, name;
  };
  for (std::size_t begin = 0; begin < objects.size();) {
    // A stage: the run of objects of one kind. Kinds keep the order they come in (dependencies
    // first: CRDs before custom resources, RBAC before workloads, a Deployment before its HPA).
    const std::string stageKind = objects[begin].object.value("kind", "");
    std::size_t end = begin;
    while (end < objects.size() && objects[end].object.value("kind", "") == stageKind) ++end;

    // Decide, in order and without writing (but for joining a co-owner list), which objects of
    // the stage need a write.
    std::vector<Write> writes;
    for (std::size_t i = begin; i < end; ++i) {
      const RenderedObject& rendered = objects[i];
      ObjectOutcome& out = report.outcomes[i];
      out = {rendered.component, describeObject(rendered.object)};
      const json& meta = rendered.object["metadata"];
      const std::string name = meta.value("name", "");
      const std::string ns = meta.value("namespace", "");
      const OwnedKind* kind = ownedKind(rendered.object.value("kind", ""));
      OwnedKind adHoc{kube::GroupVersionKind::fromObject(rendered.object), !ns.empty(), false};
      if (!kind) kind = &adHoc;

      json desired = withDesiredHash(rendered.object);
      // A kind outside ownedKinds() has no informer: read it from the server, so that the
      // desired-hash check holds for it too (an unchanged object is never re-sent).
      ClientLiveState direct(client_);
      auto live = kind == &adHoc ? direct.get(*kind, ns, name) : live_.get(*kind, ns, name);
      if (!live) {
        out.action = Action::Failed;
        out.message = "reading the live copy: " + live.error().describe();
        continue;
      }
      const Installation me = installationOf(desired);
      bool wasCoOwner = false;
      if (*live) {
        const Installation holder = installationOf(**live);
        const Owner& current = holder.owner;
        const Holding holding = holdingOf(**live, desired, owner, perRevision, otherOwnerExists, adopt);
        if (holding == Holding::Foreign) {
          out.action = Action::Conflict;
          out.message = foreignMessage(out.object);
          continue;
        }
        if (holding == Holding::Share) {
          if (auto j = joinCoOwners(*kind, **live, me); !j) {
            out.action = Action::Failed;
            out.message = "joining the co-owners of " + holder.describe() + ": " + j.error().describe();
          } else {
            out.action = Action::Shared;
            out.otherOwner = current;
            out.message = out.object + " is shared with IstioOperator " + holder.describe();
          }
          continue;
        }
        for (const auto& c : coOwnersOf(**live)) wasCoOwner |= c == me;
        if (holding == Holding::Conflict) {
          out.action = Action::Conflict;
          out.otherOwner = current;
          out.message = out.object + " is owned by IstioOperator " + current.describe();
          continue;
        }
        if (current == owner && liveHash(**live) == liveHash(desired)) {
          std::string drift = driftedField(**live, desired);
          if (drift.empty()) {
            out.action = Action::Unchanged;
            continue;
          }
          spdlog::info("{}: repairing drift at {}", out.object, drift.substr(1));
        }
      }
      if (kind->namespaced && !ns.empty() && namespacesChecked.insert(ns).second) {
        if (auto r = ensureNamespace(ns); !r) {
          out.action = Action::Failed;
          out.message = "creating namespace " + ns + ": " + r.error().describe();
          continue;
        }
      }
      writes.push_back({i, *kind, std::move(desired), std::move(*live), wasCoOwner, ns, name});
    }

    forEachConcurrently(writes.size(), writers_, [&](std::size_t w) {
      const Write& write = writes[w];
      ObjectOutcome& out = report.outcomes[write.index];
      try {
        if (!write.live) {
          // The cache holds only objects carrying iop's managed label: one it does not hold may
          // still exist, a user's own. Read the server before writing over anything.
          auto fresh =
              ClientLiveState(client_).get(write.kind, write.kind.namespaced ? write.ns : "", write.name);
          if (!fresh) {
            out.action = Action::Failed;
            out.message = "reading the live copy: " + fresh.error().describe();
            return;
          }
          if (*fresh) {
            const Holding holding =
                holdingOf(**fresh, write.desired, owner, perRevision, otherOwnerExists, adopt);
            if (holding != Holding::Write) {
              out.action = Action::Conflict;
              out.otherOwner = ownerOf(**fresh);
              out.message = holding == Holding::Foreign
                                ? foreignMessage(out.object)
                                : out.object + " is owned by IstioOperator " + out.otherOwner.describe();
              return;
            }
          }
        }
        if (write.live && handsReplicasOver(*write.live, write.desired)) {
          // Dropping spec.replicas that only iop owned would reset it to 1; another manager
          // co-owning the live value first keeps it until the HPA takes over.
          const json& meta = write.desired["metadata"];
          json handoff = {
              {"apiVersion", write.desired.value("apiVersion", "")},
              {"kind", write.desired.value("kind", "")},
              {"metadata", {{"name", meta.value("name", "")}, {"namespace", meta.value("namespace", "")}}},
              {"spec", {{"replicas", (*write.live)["spec"]["replicas"]}}}};
          if (auto h = client_.apply(handoff, {.fieldManager = kReplicasHandoffManager, .force = true}); !h)
            spdlog::warn("{}: handing spec.replicas over: {}", out.object, h.error().describe());
        }
        auto applied = client_.apply(write.desired, {.fieldManager = kFieldManager, .force = true});
        if (!applied) {
          out.action = Action::Failed;
          out.message = applied.error().describe();
          return;
        }
        out.action = Action::Applied;
        // Taken over from an owner that is gone: no longer a co-owner of what it now owns.
        if (write.wasCoOwner) {
          DeleteReport ignored;
          // Nobody leaves: the list only sheds the entry naming its owner.
          release(
              write.kind, *applied, [](const Installation&) { return false; }, ignored);
        }
      } catch (const std::exception& e) {
        out.action = Action::Failed;
        out.message = std::string("internal error while applying: ") + e.what();
      }
    });
    begin = end;
  }
  return report;
}

void Applier::release(const OwnedKind& kind, json live, const Leaving& leaving, DeleteReport& report) {
  const std::string what = describeObject(live);
  const json& meta0 = live["metadata"];
  const std::string ns = kind.namespaced ? meta0.value("namespace", "") : "";
  const std::string name = meta0.value("name", "");
  const bool shared = isSharedAcrossRevisions(kind.gvk.kind, live);
  const Installation holder = installationOf(live);
  bool changedHands = false;
  for (int attempt = 0;; ++attempt) {
    Release plan = planRelease(live, leaving);
    if (plan.kind == Release::Kind::Delete && shared && claimant_)
      if (auto claimed = claimant_(live, leaving)) plan = {Release::Kind::HandOver, *claimed, {}};
    const json& meta = live["metadata"];
    std::optional<kube::Error> failed;
    // A co-owner that stays took the object over while we were at it (its apply saw our owner
    // going): it changed hands all the same, so it counts as handed over.
    const Installation now = installationOf(live);
    if (attempt > 0 && !changedHands && leaving(holder) && !leaving(now) && !(now == holder)) {
      changedHands = true;
      report.handedOver.push_back(what + " to " + now.describe());
      if (plan.kind != Release::Kind::Withdraw) return;
    }
    if (plan.kind == Release::Kind::Keep) return;
    if (plan.kind == Release::Kind::Delete) {
      kube::DeleteOptions options{.propagationPolicy = "Background"};
      if (meta.contains("uid")) options.preconditionUID = meta["uid"].get<std::string>();
      // A co-owner may join between our read and the delete: the resourceVersion makes the
      // delete fail then, and the fresh copy is handed over instead.
      if (shared && meta.contains("resourceVersion"))
        options.preconditionResourceVersion = meta["resourceVersion"].get<std::string>();
      auto r = client_.remove(kind.gvk, ns, name, options);
      if (r || kube::isNotFound(r.error())) {
        report.deleted.push_back(what);
        return;
      }
      // Not shared: the object was replaced since we listed it, not ours to judge now.
      if (!shared && kube::isConflict(r.error())) return;
      failed = r.error();
    } else {
      json annotations = {
          {kCoOwnersAnnotation, plan.after.empty() ? json() : json(coOwnersValue(plan.after))}};
      json patchMeta = {{"resourceVersion", meta.value("resourceVersion", "")}, {"annotations", annotations}};
      if (plan.kind == Release::Kind::HandOver)
        patchMeta["labels"] = {{kOwningResourceLabel, plan.to.owner.name},
                               {kOwningNamespaceLabel, plan.to.owner.ns},
                               {kRevisionLabel, plan.to.revision}};
      auto r =
          client_.mergePatch(kind.gvk, ns, name, {{"metadata", patchMeta}}, {.fieldManager = kFieldManager});
      if (r) {
        if (plan.kind == Release::Kind::HandOver)
          report.handedOver.push_back(what + " to " + plan.to.describe());
        return;
      }
      if (kube::isNotFound(r.error())) return;
      failed = r.error();
    }
    if (!kube::isConflict(*failed) || attempt == 4) {
      report.errors.push_back(what + ": " + failed->describe());
      return;
    }
    auto fresh = client_.get(kind.gvk, ns, name);
    if (!fresh) {
      if (!kube::isNotFound(fresh.error())) report.errors.push_back(what + ": " + fresh.error().describe());
      return;
    }
    live = std::move(*fresh);
    live["kind"] = kind.gvk.kind;
  }
}

DeleteReport Applier::remove(const std::vector<json>& objects, const Leaving& leaving) {
  DeleteReport report;
  for (const auto& o : objects) {
    const OwnedKind* kind = ownedKind(o.value("kind", ""));
    if (!kind) continue;
    release(*kind, o, leaving, report);
  }
  return report;
}

namespace {

// Walks the owned kinds in reverse apply order: of the objects `list` finds of a kind, plus the
// shared ones `live` holds of it, those `leaving` gives something to do, once each, except the
// ones `keep` wants kept.
StaleObjects gather(LiveState& live,
                    const std::function<kube::Result<std::vector<json>>(const OwnedKind&)>& list,
                    const Leaving& leaving, const std::function<bool(const json&)>& keep) {
  StaleObjects out;
  std::set<std::string> seen;
  const auto& kinds = ownedKinds();
  for (auto it = kinds.rbegin(); it != kinds.rend(); ++it) {
    auto found = list(*it);
    if (!found) {
      out.errors.push_back("listing " + it->gvk.kind + "s: " + found.error().describe());
      continue;
    }
    if (kindMayBeShared(it->gvk.kind)) {
      auto shared = live.shared(*it);
      if (!shared) {
        out.errors.push_back("listing shared " + it->gvk.kind + "s: " + shared.error().describe());
      } else {
        found->insert(found->end(), shared->begin(), shared->end());
      }
    }
    for (auto& o : *found) {
      if (keep(o) || !seen.insert(objectKeyOf(o)).second) continue;
      if (planRelease(o, leaving).kind != Release::Kind::Keep) out.objects.push_back(std::move(o));
    }
  }
  return out;
}

}  // namespace

StaleObjects Applier::stale(const std::vector<RenderedObject>& desired, const Owner& owner,
                            const std::string& revision) {
  std::set<std::string> wanted;
  for (const auto& d : desired) wanted.insert(objectKeyOf(d.object));
  return gather(
      live_, [&](const OwnedKind& kind) { return live_.owned(kind, owner); }, leavingOwner(owner, revision),
      [&wanted](const json& o) {
        return wanted.count(objectKeyOf(o)) > 0 || o.value("metadata", json::object())
                                                           .value("labels", json::object())
                                                           .value(kNotPrunedLabel, "") == "true";
      });
}

StaleObjects Applier::released(const std::string& labelSelector, const Leaving& leaving) {
  ClientLiveState direct(client_);
  return gather(
      direct, [&](const OwnedKind& kind) { return direct.matching(kind, labelSelector); }, leaving,
      [](const json&) { return false; });
}

namespace {

DeleteReport withListErrors(DeleteReport removed, const std::vector<std::string>& listErrors) {
  removed.errors.insert(removed.errors.begin(), listErrors.begin(), listErrors.end());
  return removed;
}

}  // namespace

DeleteReport Applier::prune(const std::vector<RenderedObject>& desired, const Owner& owner,
                            const std::string& revision) {
  StaleObjects found = stale(desired, owner, revision);
  return withListErrors(remove(found.objects, leavingOwner(owner, revision)), found.errors);
}

DeleteReport Applier::uninstall(const Owner& owner) {
  const Leaving leaving = leavingOwner(owner);
  StaleObjects found = released(owner.labelSelector(), leaving);
  return withListErrors(remove(found.objects, leaving), found.errors);
}

std::string workloadNotReadyReason(const json& live) {
  const std::string kind = live.value("kind", "");
  const json meta = live.value("metadata", json::object());
  const json spec = live.value("spec", json::object());
  const json status = live.value("status", json::object());
  if (meta.contains("deletionTimestamp")) return "being deleted";
  if (num(status, "observedGeneration") < num(meta, "generation", 1)) return "spec change not observed yet";
  if (kind == "DaemonSet") {
    auto desired = num(status, "desiredNumberScheduled");
    auto updated = num(status, "updatedNumberScheduled");
    auto available = num(status, "numberAvailable");
    if (updated < desired || available < desired)
      return std::to_string(updated) + "/" + std::to_string(desired) + " updated, " +
             std::to_string(available) + "/" + std::to_string(desired) + " available";
    return "";
  }
  auto want = num(spec, "replicas", 1);
  auto updated = num(status, "updatedReplicas");
  auto available = num(status, "availableReplicas");
  auto total = num(status, "replicas");
  if (updated < want || available < want || total > updated)
    return std::to_string(updated) + "/" + std::to_string(want) + " updated, " + std::to_string(available) +
           "/" + std::to_string(want) + " available";
  return "";
}

std::map<std::string, std::vector<std::string>> Applier::notReady(
    const std::vector<RenderedObject>& desired) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& d : desired) {
    const std::string kind = d.object.value("kind", "");
    if (kind != "Deployment" && kind != "DaemonSet") continue;
    const OwnedKind* k = ownedKind(kind);
    const json& meta = d.object["metadata"];
    auto live = live_.get(*k, meta.value("namespace", ""), meta.value("name", ""));
    std::string reason;
    if (!live) {
      reason = live.error().describe();
    } else if (!*live) {
      reason = "missing";
    } else {
      reason = workloadNotReadyReason(**live);
    }
    if (!reason.empty()) out[d.component].push_back(describeObject(d.object) + ": " + reason);
  }
  return out;
}

}  // namespace iop::reconcilers
