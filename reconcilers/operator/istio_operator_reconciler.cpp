#include "reconcilers/operator/istio_operator_reconciler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "reconcilers/api/istio_operator.h"
#include "reconcilers/apply/control_plane_lookup.h"
#include "reconcilers/apply/kind_summary.h"
#include "reconcilers/apply/revision_in_use.h"
#include "reconcilers/apply/revision_tags.h"
#include "reconcilers/operator/install_status.h"
#include "reconcilers/render/render.h"

namespace iop::reconcilers {

using json = nlohmann::json;
using controller::Result;
using Action = ObjectOutcome::Action;

namespace {

std::string normalRevision(const std::string& r) {
  return r == "default" ? "" : r;
}

std::string annotation(const json& cr, const char* key) {
  const json a = cr["metadata"].value("annotations", json::object());
  return a.is_object() ? a.value(key, "") : "";
}

bool hasFinalizer(const json& cr) {
  for (const auto& f : cr["metadata"].value("finalizers", json::array()))
    if (f == kFinalizer) return true;
  return false;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

// The document validation sees: what a user wrote, not what the server added.
json userDocument(const json& cr) {
  json meta = {{"name", cr["metadata"].value("name", "")},
               {"namespace", cr["metadata"].value("namespace", "")}};
  return {{"apiVersion", cr.value("apiVersion", kIstioOperatorApiVersion)},
          {"kind", cr.value("kind", kIstioOperatorKind)},
          {"metadata", meta},
          {"spec", cr.value("spec", json::object())}};
}

std::int64_t generationOf(const json& cr) {
  const json& g = cr["metadata"]["generation"];
  return g.is_number_integer() ? g.get<std::int64_t>() : 0;
}

}  // namespace

bool revisionMatches(const json& cr, const std::string& operatorRevision) {
  const json spec = cr.value("spec", json::object());
  std::string rev = spec.is_object() ? spec.value("revision", "") : "";
  return normalRevision(rev) == normalRevision(operatorRevision);
}

IstioOperatorReconciler::IstioOperatorReconciler(kube::Client& client, LiveState& live, EventRecorder& events,
                                                 IstioOperatorReconcilerOptions options)
    : client_(client),
      live_(live),
      events_(events),
      applier_(client, live, ownerExistsVia(client)),
      options_(std::move(options)) {
  // A tag moved from one revision's CR to another's in one change: whichever operator runs
  // first, the tag's objects change hands instead of going.
  applier_.claimVia(
      [&client](const json& live, const Leaving& leaving) { return tagClaimant(client, live, leaving); });
}

Result IstioOperatorReconciler::reconcile(const controller::Request& request) {
  auto got = client_.get(kIstioOperatorGVK, request.ns, request.name);
  if (!got) {
    if (kube::isNotFound(got.error())) {
      endPruneWait(Owner{request.name, request.ns}.describe());
      return Result::done();
    }
    return Result::error("reading IstioOperator " + request.key() + ": " + got.error().describe());
  }
  json cr = std::move(*got);
  if (!revisionMatches(cr, options_.revision)) {
    // Another revision's operator owns this CR now (or never did otherwise): hands off.
    endPruneWait(Owner{request.name, request.ns}.describe());
    return Result::done();
  }
  if (cr["metadata"].contains("deletionTimestamp")) {
    return hasFinalizer(cr) ? reconcileDeletion(cr) : Result::done();
  }
  if (annotation(cr, kIgnoreReconcileAnnotation) == "true") {
    spdlog::info("paused by annotation {}=true", kIgnoreReconcileAnnotation);
    return Result::done();
  }
  if (!hasFinalizer(cr)) {
    json finalizers = cr["metadata"].value("finalizers", json::array());
    finalizers.push_back(kFinalizer);
    // resourceVersion makes the patch fail rather than drop a finalizer someone added meanwhile.
    auto patched = client_.mergePatch(
        kIstioOperatorGVK, request.ns, request.name,
        {{"metadata", {{"finalizers", finalizers}, {"resourceVersion", cr["metadata"]["resourceVersion"]}}}},
        {.fieldManager = kFieldManager});
    if (!patched) return Result::error("adding finalizer: " + patched.error().describe());
    cr = std::move(*patched);
  }
  return reconcileLive(std::move(cr));
}

Result IstioOperatorReconciler::reconcileLive(json cr) {
  const Owner owner{cr["metadata"].value("name", ""), cr["metadata"].value("namespace", "")};
  InstallStatus st;
  st.observedGeneration = generationOf(cr);

  auto fail = [&](const std::string& reason, const std::string& message, bool terminal) {
    st.status = kStatusError;
    st.reconciled = {"Reconciled", false, reason, message};
    st.ready = {"Ready", false, reason, message};
    writeStatus(cr, statusObject(st, cr.value("status", json()), nowRfc3339()));
    events_.record(cr, "Warning", reason, message);
    return terminal ? Result::terminal(message) : Result::error(message);
  };

  // Profile names are checked here against the operator's charts; a CR that brings its own
  // (spec.installPackagePath) has its profile checked by render() against that directory.
  const json doc = userDocument(cr);
  const bool ownPackage = !options_.manifests && doc.contains("spec") && doc["spec"].is_object() &&
                          !doc["spec"].value("installPackagePath", "").empty();
  std::set<std::string> profileNames;
  if (!ownPackage)
    profileNames = (options_.manifests ? options_.manifests : IstioManifests::compiledIn())->profileNames();
  auto parsed = istioOperatorFromJson(doc, {.profiles = profileNames});
  if (!parsed.ok()) {
    std::vector<std::string> errs;
    for (const auto& e : parsed.errors) errs.push_back(e.str());
    return fail("InvalidSpec", "invalid IstioOperator, nothing applied: " + join(errs, "; "), true);
  }
  auto rendered =
      render(*parsed.iop,
             {.iopVersion = options_.iopVersion, .manifests = options_.manifests, .policy = options_.policy});
  if (!rendered.ok()) {
    std::vector<std::string> errs;
    for (const auto& e : rendered.errors) errs.push_back(e.str());
    // A CR's own charts directory can be fixed without the CR changing, so its errors are
    // retried with backoff; errors of the CR itself wait for the CR to change.
    return fail("InvalidSpec", "cannot render, nothing applied: " + join(errs, "; "), !ownPackage);
  }

  if (installsGatewaysOnly(rendered.objects)) {
    // Gateways without an istiod of their revision never get configuration: say so. The
    // runtime wakes this CR when an istiod of the revision comes or goes.
    const std::string rev = parsed.iop->revision();
    auto found = findControlPlane(client_, rev);
    if (!found)
      st.controlPlane = Condition{"ControlPlaneFound", false, "LookupFailed",
                                  "cannot look for the control plane: " + found.error().describe()};
    else if (*found)
      st.controlPlane =
          Condition{"ControlPlaneFound", true, "Found",
                    "istiod " + **found + " serves revision " + (rev.empty() ? "default" : rev)};
    else
      st.controlPlane = Condition{"ControlPlaneFound", false, "NoControlPlane", noControlPlaneMessage(rev)};
  }

  {
    std::vector<json> objects;
    for (const auto& o : rendered.objects) objects.push_back(o.object);
    for (const auto& rev : controlPlaneRevisions(objects)) st.inUse = inUseCondition(rev);
  }

  ApplyReport applied =
      applier_.apply(rendered.objects, owner, false, annotation(cr, kAdoptAnnotation) == "true");
  bool applyFailed = applied.count(Action::Failed) > 0;
  auto pending = applier_.notReady(rendered.objects);
  // A workload written just now has a rollout the cache has not seen yet: not ready until a
  // later look says so, so nothing it replaces is pruned on a stale "available".
  for (std::size_t i = 0; i < applied.outcomes.size() && i < rendered.objects.size(); ++i) {
    const std::string kind = rendered.objects[i].object.value("kind", "");
    if (applied.outcomes[i].action == Action::Applied && (kind == "Deployment" || kind == "DaemonSet"))
      pending[rendered.objects[i].component].push_back(applied.outcomes[i].object +
                                                       ": applied, rollout pending");
  }

  // Prune only once every desired object exists, so nothing is removed before its replacement;
  // and, but for HPAs, only once the workloads are ready or the wait for them has run out.
  DeleteReport pruned;
  std::vector<std::string> deferred;
  std::chrono::milliseconds waitLeft{0};
  const std::string key = owner.describe();
  if (!applyFailed) {
    StaleObjects stale = applier_.stale(rendered.objects, owner);
    pruned.errors = stale.errors;
    std::vector<json> now, later;
    for (auto& o : stale.objects)
      (o.value("kind", "") == "HorizontalPodAutoscaler" ? now : later).push_back(std::move(o));
    if (!later.empty() && !pending.empty() && !pruneWaitOver(key, waitLeft)) {
      for (const auto& o : later) deferred.push_back(describeObject(o));
    } else {
      now.insert(now.end(), later.begin(), later.end());
      endPruneWait(key);
    }
    DeleteReport removed = applier_.remove(now, leavingOwner(owner));
    pruned.deleted = std::move(removed.deleted);
    pruned.handedOver = std::move(removed.handedOver);
    pruned.errors.insert(pruned.errors.end(), removed.errors.begin(), removed.errors.end());
  }

  std::vector<std::string> conflicts, failures;
  for (const auto& o : rendered.objects) st.components[o.component] = {kStatusHealthy, ""};
  for (const auto& o : applied.outcomes) {
    if (o.action != Action::Conflict && o.action != Action::Failed) continue;
    auto& c = st.components[o.component];
    c.status = kStatusError;
    c.error += (c.error.empty() ? "" : "; ") + o.message;
    (o.action == Action::Conflict ? conflicts : failures).push_back(o.object + ": " + o.message);
  }
  for (const auto& [component, reasons] : pending) {
    auto& c = st.components[component];
    if (c.status == kStatusError) continue;
    c.status = kStatusReconciling;
    c.error = "waiting for " + join(reasons, "; ");
  }
  st.status = overallStatus(st.components);

  std::vector<std::string> conflictMessages;
  for (const auto& o : applied.outcomes)
    if (o.action == Action::Conflict) conflictMessages.push_back(o.message);
  if (!failures.empty()) {
    st.reconciled = {"Reconciled", false, "ApplyFailed", join(failures, "; ")};
  } else if (!pruned.ok()) {
    st.reconciled = {"Reconciled", false, "PruneFailed", join(pruned.errors, "; ")};
  } else if (!conflicts.empty()) {
    st.reconciled = {"Reconciled", false, "OwnershipConflict", join(conflictMessages, "; ")};
  } else if (!deferred.empty()) {
    st.reconciled = {"Reconciled", false, "PruneWaiting",
                     "kept until the workloads are ready (at most " +
                         std::to_string(std::chrono::ceil<std::chrono::seconds>(waitLeft).count()) +
                         "s more): " + join(deferred, ", ")};
  } else {
    st.reconciled = {"Reconciled", true, "Applied",
                     std::to_string(rendered.objects.size()) + " objects match the desired state"};
  }
  if (pending.empty() && st.status == kStatusHealthy) {
    st.ready = {"Ready", true, "Healthy", "all workloads are available"};
  } else if (!pending.empty()) {
    std::vector<std::string> all;
    for (const auto& [component, reasons] : pending) all.insert(all.end(), reasons.begin(), reasons.end());
    st.ready = {"Ready", false, "WorkloadsNotReady", join(all, "; ")};
  } else {
    st.ready = {"Ready", false, st.reconciled.reason, st.reconciled.message};
  }

  // One event per reason and reconcile, so a repeating problem is one event the recorder can
  // count rather than one per object.
  // By kind, not by name: what went as planned needs no names (conflicts and failures name theirs).
  if (int n = applied.count(Action::Applied); n > 0) {
    std::vector<std::string> names;
    for (const auto& o : applied.outcomes)
      if (o.action == Action::Applied) names.push_back(o.object);
    events_.record(cr, "Normal", "Applied", "applied " + totalByKind(names));
  }
  if (!pruned.deleted.empty())
    events_.record(cr, "Normal", "Pruned", "deleted " + totalByKind(pruned.deleted) + " (no longer desired)");
  if (!pruned.handedOver.empty())
    events_.record(cr, "Normal", "HandedOver",
                   "no longer desired here, kept for their co-owners: " + totalByKind(pruned.handedOver));
  if (!conflictMessages.empty())
    events_.record(cr, "Warning", "OwnershipConflict", join(conflictMessages, "; "));
  if (!failures.empty()) events_.record(cr, "Warning", "ApplyFailed", join(failures, "; "));
  if (!pruned.errors.empty()) events_.record(cr, "Warning", "PruneFailed", join(pruned.errors, "; "));
  logOutcome(key, applied, pruned, deferred, conflictMessages, failures);

  bool statusWritten = writeStatus(cr, statusObject(st, cr.value("status", json()), nowRfc3339()));
  if (applyFailed || !pruned.ok()) return Result::error(st.reconciled.message);
  if (!statusWritten) return Result::error("status write failed");
  if (!deferred.empty()) return Result::requeueAfter(std::min(options_.notReadyRequeue, waitLeft));
  if (!pending.empty()) return Result::requeueAfter(options_.notReadyRequeue);
  // A conflict with another IstioOperator ends when that CR goes, which no event of ours shows:
  // look again at a steady pace. One with an object no IstioOperator installed ends only when
  // someone deletes it (no event either) or annotates the CR (an event): back off
  // exponentially, like any error.
  bool foreign = false;
  for (const auto& o : applied.outcomes) foreign |= o.action == Action::Conflict && o.otherOwner.name.empty();
  if (foreign) return Result::error("OwnershipConflict: " + st.reconciled.message);
  if (!conflicts.empty()) return Result::requeueAfter(options_.conflictRequeue);
  return Result::done();
}

Condition IstioOperatorReconciler::inUseCondition(const std::string& revision) {
  auto users = revisionUsers(client_, revision);
  if (!users)
    return {"InUse", false, "LookupFailed",
            "cannot look up what uses revision " + revision + ": " + users.error().describe()};
  return {"InUse", users->referenced(), users->referenced() ? "InUse" : "NotInUse", users->summary()};
}

// The log says what a reconcile did, not that it ran: a converged CR logs nothing.
void IstioOperatorReconciler::logOutcome(const std::string& key, const ApplyReport& applied,
                                         const DeleteReport& pruned, const std::vector<std::string>& deferred,
                                         const std::vector<std::string>& conflicts,
                                         const std::vector<std::string>& failures) {
  std::vector<std::string> written;
  for (const auto& o : applied.outcomes)
    if (o.action == Action::Applied) written.push_back(o.object);
  if (!written.empty())
    spdlog::info("applied {} of {} objects: {}", written.size(), applied.outcomes.size(),
                 countByKind(written));
  if (!pruned.deleted.empty()) spdlog::info("pruned {}", totalByKind(pruned.deleted));
  if (!pruned.handedOver.empty()) spdlog::info("handed over to co-owners {}", totalByKind(pruned.handedOver));
  if (!deferred.empty()) spdlog::info("prune waits for ready workloads: {}", totalByKind(deferred));
  // Problems that persist across retries are said once, and again only when they change.
  std::string problems;
  for (const auto& c : conflicts) problems += "ownership conflict: " + c + "\n";
  for (const auto& f : failures) problems += "apply failed: " + f + "\n";
  for (const auto& e : pruned.errors) problems += "prune failed: " + e + "\n";
  if (problems.empty()) {
    problems_.forget(key);
  } else if (problems_.changed(key, problems)) {
    for (const auto& c : conflicts) spdlog::warn("ownership conflict: {}", c);
    for (const auto& f : failures) spdlog::warn("apply failed: {}", f);
    for (const auto& e : pruned.errors) spdlog::warn("prune failed: {}", e);
  }
}

bool IstioOperatorReconciler::pruneWaitOver(const std::string& key, std::chrono::milliseconds& left) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(pruneMu_);
  auto [it, started] = pruneDeadlines_.try_emplace(key, now + options_.pruneWait);
  left = std::chrono::duration_cast<std::chrono::milliseconds>(it->second - now);
  if (left.count() <= 0) {
    left = std::chrono::milliseconds(0);
    return true;
  }
  return false;
}

void IstioOperatorReconciler::endPruneWait(const std::string& key) {
  std::lock_guard lock(pruneMu_);
  pruneDeadlines_.erase(key);
}

Result IstioOperatorReconciler::reconcileDeletion(const json& cr) {
  const Owner owner{cr["metadata"].value("name", ""), cr["metadata"].value("namespace", "")};
  // A control plane (it owns an istiod Deployment) must not vanish under namespaces that still
  // select its revision or pods that still run its sidecar, unless the user says so.
  if (annotation(cr, kForceDeleteAnnotation) != "true") {
    const OwnedKind* deployments = ownedKind("Deployment");
    auto owned = ClientLiveState(client_).owned(*deployments, owner);
    for (const auto& rev : owned ? controlPlaneRevisions(*owned) : std::set<std::string>{}) {
      auto users = revisionUsers(client_, rev);
      if (!users) {
        // Without permission to look, do not hang the deletion: say so and go on.
        spdlog::warn("cannot check namespaces using revision {} ({}); deleting anyway", rev,
                     users.error().describe());
        continue;
      }
      if (users->pods < 0)
        spdlog::warn("cannot list pods, so running pods with revision {}'s sidecar were not looked for", rev);
      if (users->empty()) continue;
      std::string message = users->describe() + "; or annotate the IstioOperator with " +
                            kForceDeleteAnnotation + "=\"true\" to delete anyway";
      InstallStatus st;
      st.observedGeneration = generationOf(cr);
      st.status = kStatusActionRequired;
      const json components = cr.value("status", json::object()).value("componentStatus", json::object());
      for (const auto& [k, v] : components.items())
        st.components[k] = {v.value("status", ""), v.value("error", "")};
      st.reconciled = {"Reconciled", false, "DeletionBlocked", message};
      st.inUse = Condition{"InUse", true, "InUse", users->summary()};
      st.ready = {"Ready", false, "DeletionBlocked", message};
      writeStatus(cr, statusObject(st, cr.value("status", json()), nowRfc3339()));
      events_.record(cr, "Warning", "DeletionBlocked", message);
      return Result::requeueAfter(options_.actionRequiredRequeue);
    }
  }
  DeleteReport removed = applier_.uninstall(owner);
  if (!removed.deleted.empty())
    events_.record(cr, "Normal", "Uninstalled", "deleted " + totalByKind(removed.deleted));
  if (!removed.handedOver.empty())
    events_.record(cr, "Normal", "HandedOver",
                   "kept for their co-owners: " + totalByKind(removed.handedOver));
  if (!removed.ok()) return Result::error("uninstalling: " + join(removed.errors, "; "));

  json finalizers = json::array();
  for (const auto& f : cr["metadata"].value("finalizers", json::array()))
    if (f != kFinalizer) finalizers.push_back(f);
  auto patched = client_.mergePatch(
      kIstioOperatorGVK, owner.ns, owner.name,
      {{"metadata", {{"finalizers", finalizers}, {"resourceVersion", cr["metadata"]["resourceVersion"]}}}},
      {.fieldManager = kFieldManager});
  if (!patched && !kube::isNotFound(patched.error()))
    return Result::error("removing finalizer: " + patched.error().describe());
  spdlog::info(
      "uninstalled IstioOperator {}: deleted {}{}", owner.describe(), totalByKind(removed.deleted),
      removed.handedOver.empty() ? "" : "; handed over to co-owners " + totalByKind(removed.handedOver));
  return Result::done();
}

bool IstioOperatorReconciler::writeStatus(const json& cr, const json& status) {
  const json previous = cr.value("status", json::object());
  json patch = mergePatchBetween(previous, status);
  if (patch.empty()) return true;
  const json& meta = cr["metadata"];
  // The resourceVersion read at the start: a CR changed meanwhile (e.g. moved to another
  // revision, whose operator now writes its status) is not written over; the change requeues it.
  auto r =
      client_.mergePatch(kIstioOperatorGVK, meta.value("namespace", ""), meta.value("name", ""),
                         {{"metadata", {{"resourceVersion", meta["resourceVersion"]}}}, {"status", patch}},
                         {.fieldManager = kFieldManager, .subresource = "status"});
  if (!r) {
    spdlog::warn("writing status: {}", r.error().describe());
    return false;
  }
  const std::string before = previous.value("status", ""), after = status.value("status", "");
  if (before != after) {
    std::string why;  // what keeps it from Ready, when something does
    for (const auto& c : status.value("conditions", json::array()))
      if (c.value("type", "") == "Ready" && c.value("status", "") != "True") why = c.value("message", "");
    spdlog::info("status {} -> {}{}", before.empty() ? "(none)" : before, after,
                 why.empty() ? "" : ": " + why);
  }
  return true;
}

}  // namespace iop::reconcilers
