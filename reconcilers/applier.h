#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kube/client.h"
#include "reconcilers/live_state.h"
#include "reconcilers/ownership.h"
#include "reconcilers/render.h"

// The one applier: what every entry point (the operator, `iop install`, `iop uninstall`) uses
// to converge the cluster on rendered objects. It writes with server-side apply under the
// field manager "iop", so fields other managers own (a `kubectl rollout restart` annotation,
// replicas an HPA sets) are never touched, and reads live state to decide what to send.
namespace iop::reconcilers {

struct ObjectOutcome {
  enum class Action {
    Applied,    // sent (created or changed)
    Unchanged,  // the live copy carries the desired hash: nothing sent
    Conflict,   // owned by another IstioOperator that exists: left alone
    Failed,     // the API server refused or could not be reached: see message
  };
  std::string component;
  std::string object;  // describeObject()
  Action action = Action::Unchanged;
  std::string message;
  Owner otherOwner;  // for Conflict
};

struct ApplyReport {
  std::vector<ObjectOutcome> outcomes;  // one per desired object, in apply order
  int count(ObjectOutcome::Action action) const;
};

struct DeleteReport {
  std::vector<std::string> deleted;  // describeObject() of each object removed
  std::vector<std::string> errors;   // "Deployment a/b: <error>"
  bool ok() const { return errors.empty(); }
};

struct StaleObjects {
  std::vector<nlohmann::json> objects;  // live copies
  std::vector<std::string> errors;
};

// Whether the IstioOperator `owner` still exists. Errors other than NotFound count as "exists",
// so an object is never taken from a CR iop could not check.
using OwnerExists = std::function<bool(const Owner&)>;
// The default: GET the IstioOperator through the client.
OwnerExists ownerExistsVia(kube::Client& client);

// Borrowed client and live state must outlive the applier. Thread-safe if the live state is
// (every provided one is): calls for different owners may run concurrently. Every call blocks
// on the API server. apply() writes up to `writers` objects at once (threads it starts and
// joins before returning), so the client should keep that many connections open.
class Applier {
 public:
  Applier(kube::Client& client, LiveState& live, OwnerExists ownerExists, int writers = kDefaultWriters);
  static constexpr int kDefaultWriters = 4;

  // Applies `objects` (render order) for `owner`. Per object: when the live copy belongs to
  // another existing IstioOperator, it is left alone (Conflict); when it already carries the
  // desired hash and belongs to `owner`, nothing is sent; otherwise it is applied with the hash
  // annotation, force taking over fields from other managers (safe: ownership was checked
  // first, and only the fields in the rendered object are claimed). A missing namespace is
  // created before the first object that goes into it. Whether another owner exists is asked
  // once per owner per call. Objects are written in the order given, except that the
  // writes of consecutive objects of one kind (a stage) run concurrently; a stage starts when
  // the one before it is done. Failures are recorded per object and the rest continues.
  ApplyReport apply(const std::vector<RenderedObject>& objects, const Owner& owner);

  // Deletes objects of every prunable kind that carry `owner`'s labels and are not in
  // `desired`, in reverse apply order. Never CRDs, never namespaces. Same as remove(stale()).
  // A non-empty `revision` narrows it to objects labelled istio.io/rev=`revision`: `iop install`
  // of one file at two revisions makes two installations under one owner name, and each prunes
  // only its own.
  DeleteReport prune(const std::vector<RenderedObject>& desired, const Owner& owner,
                     const std::string& revision = "");

  // The objects prune() would delete, in the order it would delete them; errors say which
  // kinds could not be listed (their objects are missing from `objects`).
  StaleObjects stale(const std::vector<RenderedObject>& desired, const Owner& owner,
                     const std::string& revision = "");

  // Deletes `objects` (live copies: the uid, when present, is a precondition, so an object
  // replaced meanwhile is left alone), skipping kinds that are not prunable.
  DeleteReport remove(const std::vector<nlohmann::json>& objects);

  // Deletes every object `owner` owns (reverse apply order), listing through the client so
  // nothing a cache has not seen yet is left behind. Never CRDs.
  DeleteReport uninstall(const Owner& owner);

  // Workloads among `desired` that are not ready yet (missing, or the Deployment/DaemonSet
  // status not caught up with its spec), by component: "Deployment ns/x: 0/1 available".
  std::map<std::string, std::vector<std::string>> notReady(const std::vector<RenderedObject>& desired);

 private:
  kube::Result<void> ensureNamespace(const std::string& ns);

  kube::Client& client_;
  LiveState& live_;
  OwnerExists ownerExists_;
  int writers_;
};

// The path (".spec.replicas", ".spec.template.spec.containers[0].image") of the first field of
// `desired` whose value `live` does not have, "" when every field matches. Maps compare key by
// key, lists element by element with equal length, resource quantities by value, so defaults the
// server added do not count as drift but an edit of a field iop sets does.
std::string driftedField(const nlohmann::json& live, const nlohmann::json& desired);

// Whether a live Deployment or DaemonSet has rolled out and is available; "" when ready,
// otherwise why not (e.g. "1/2 updated, 0/2 available").
std::string workloadNotReadyReason(const nlohmann::json& live);

}  // namespace iop::reconcilers
