#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kube/client.h"
#include "reconcilers/apply/live_state.h"
#include "reconcilers/apply/ownership.h"
#include "reconcilers/render/render.h"

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
    Shared,     // a revision-less object another revision's installation owns: listed as co-owner
    Failed,     // the API server refused or could not be reached: see message
  };
  std::string component;
  std::string object;  // describeObject()
  Action action = Action::Unchanged;
  std::string message;
  Owner otherOwner;  // for Conflict and Shared
};

struct ApplyReport {
  std::vector<ObjectOutcome> outcomes;  // one per desired object, in apply order
  int count(ObjectOutcome::Action action) const;
};

struct DeleteReport {
  std::vector<std::string> deleted;     // describeObject() of each object removed
  std::vector<std::string> handedOver;  // "ServiceAccount ns/x to ns/cr@rev": kept for a co-owner
  std::vector<std::string> errors;      // "Deployment a/b: <error>"
  bool ok() const { return errors.empty(); }
};

struct StaleObjects {
  std::vector<nlohmann::json> objects;  // live copies, each with something to do (planRelease)
  std::vector<std::string> errors;
};

// The default OwnerExists: GET the IstioOperator through the client.
OwnerExists ownerExistsVia(kube::Client& client);

// Who else wants a shared object (isSharedAcrossRevisions) that every installation it lists is
// leaving: an installation that declares it but has not reconciled yet (a tag moved from one
// revision's CR to another's in one change, whose old owner prunes first). Nullopt: no one.
using Claimant =
    std::function<std::optional<Installation>(const nlohmann::json& live, const Leaving& leaving)>;

// Borrowed client and live state must outlive the applier. Thread-safe if the live state is
// (every provided one is): calls for different owners may run concurrently. Every call blocks
// on the API server. apply() writes up to `writers` objects at once (threads it starts and
// joins before returning), so the client should keep that many connections open.
class Applier {
 public:
  Applier(kube::Client& client, LiveState& live, OwnerExists ownerExists, int writers = kDefaultWriters);
  static constexpr int kDefaultWriters = 4;

  // Asks `claimant` before deleting a shared object no listed co-owner wants: one it names gets
  // the object handed over instead (never absent). Call before the applier is used; none by
  // default.
  void claimVia(Claimant claimant) { claimant_ = std::move(claimant); }

  // Applies `objects` (render order) for `owner`. Per object: a revision-less object
  // (isSharedAcrossRevisions) whose live copy another revision's live installation owns is not
  // written, `owner` joins its co-owner list instead (Shared); when the live copy belongs to
  // another existing IstioOperator otherwise, it is left alone (Conflict); when it already
  // carries the desired hash and belongs to `owner`, nothing is sent; otherwise it is applied
  // with the hash annotation, force taking over fields from other managers (safe: ownership
  // was checked first, and only the fields in the rendered object are claimed). A missing
  // namespace is created before the first object that goes into it. Whether another owner
  // exists is asked once per owner per call. Objects are written in the order given, except
  // that the writes of consecutive objects of one kind (a stage) run concurrently; a stage
  // starts when the one before it is done. Failures are recorded per object and the rest
  // continues.
  // `perRevision`: `owner` installs once per revision (`iop install` of one file at two
  // revisions), so its own installation at another revision is alive too and shares rather
  // than being taken over; without it (the operator: one CR, one revision) `owner`'s objects
  // at another revision are its own, moved.
  // A live object no IstioOperator installed (Holding::Foreign) is left alone and reported as
  // Conflict, unless `adopt`. Objects the caches do not hold (they see only iop's label) are
  // read from the server before they are written, so such an object is never overwritten
  // unseen.
  ApplyReport apply(const std::vector<RenderedObject>& objects, const Owner& owner, bool perRevision = false,
                    bool adopt = false);

  // Removes what `owner` no longer wants among the objects it owns or co-owns (remove() of
  // stale()). A non-empty `revision` narrows it to `owner`'s installation at that revision
  // (objects labelled istio.io/rev=`revision`): `iop install` of one file at two revisions
  // makes two installations under one owner name, and each prunes only its own.
  DeleteReport prune(const std::vector<RenderedObject>& desired, const Owner& owner,
                     const std::string& revision = "");

  // What prune() would act on, in the order it would: objects of `owner` (at `revision`, when
  // given) that are not in `desired` nor labelled kNotPrunedLabel=true (istioctl's default tag), and shared
  // objects `owner` co-owns that are not; objects with nothing to do (a CRD no one else wants) are left out.
  // Errors say which kinds could not be listed (their objects are missing from `objects`).
  StaleObjects stale(const std::vector<RenderedObject>& desired, const Owner& owner,
                     const std::string& revision = "");

  // What uninstalling the installations `leaving` covers acts on, listing through the client
  // (so nothing a cache has not seen yet is left behind): every object matching
  // `labelSelector` whose owner is leaving, and shared objects whose co-owner lists name a
  // leaver, in reverse apply order.
  StaleObjects released(const std::string& labelSelector, const Leaving& leaving);

  // Acts on `objects` (live copies) as planRelease() says for `leaving`: deletes (the uid is
  // a precondition, so an object replaced meanwhile is left alone; for a shared object the
  // resourceVersion too, so a co-owner joining meanwhile is seen and it is handed over
  // instead), hands a shared object to a remaining co-owner (it is never absent), or drops
  // leavers from its co-owner list. Never deletes CRDs. Blocks on the API server.
  DeleteReport remove(const std::vector<nlohmann::json>& objects, const Leaving& leaving);

  // Removes everything `owner` owns, or hands it to co-owners (remove() of released()).
  DeleteReport uninstall(const Owner& owner);

  // Workloads among `desired` that are not ready yet (missing, or the Deployment/DaemonSet
  // status not caught up with its spec), by component: "Deployment ns/x: 0/1 available".
  std::map<std::string, std::vector<std::string>> notReady(const std::vector<RenderedObject>& desired);

 private:
  kube::Result<void> ensureNamespace(const std::string& ns);
  // Lists `me` among the co-owners of the shared object `live` (a cached copy); re-reads and
  // retries when the object changed meanwhile.
  kube::Result<void> joinCoOwners(const OwnedKind& kind, const nlohmann::json& live, const Installation& me);
  // One object of remove(); "" or an error message. Appends to `report`.
  void release(const OwnedKind& kind, nlohmann::json live, const Leaving& leaving, DeleteReport& report);

  kube::Client& client_;
  LiveState& live_;
  OwnerExists ownerExists_;
  Claimant claimant_;
  int writers_;
};

// The path (".spec.replicas", ".spec.template.spec.containers[0].image") of the first field of
// `desired` whose value `live` does not have, "" when every field matches. Maps compare key by
// key, lists element by element with equal length, resource quantities by value, so defaults the
// server added do not count as drift but an edit of a field iop sets does. One field is istiod's:
// the failurePolicy of a validating webhook that istiod switched from Ignore to Fail once ready.
std::string driftedField(const nlohmann::json& live, const nlohmann::json& desired);

// Whether a live Deployment or DaemonSet has rolled out and is available; "" when ready,
// otherwise why not (e.g. "1/2 updated, 0/2 available").
std::string workloadNotReadyReason(const nlohmann::json& live);

}  // namespace iop::reconcilers
