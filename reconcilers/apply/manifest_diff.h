#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kube/client.h"
#include "reconcilers/apply/applier.h"
#include "reconcilers/apply/ownership.h"
#include "reconcilers/render/render.h"

// What applying rendered objects would change on the live cluster (`iop manifest diff`),
// computed the way the applier would write them: each object prepared as the applier prepares it
// (desired-hash annotation, same ownership rules) and sent as a server-side apply with dryRun=All
// under the field manager "iop", then compared with the live copy. Nothing is written.
namespace iop::reconcilers {

// One field that differs between the live object and what the dry run returned. `before` is
// absent for a field the apply would add, `after` for one it would remove.
struct FieldChange {
  std::string path;  // "spec.template.spec.containers[name=istio-proxy].resources.limits.cpu"
  std::optional<nlohmann::json> before;
  std::optional<nlohmann::json> after;
};

struct ObjectDiff {
  enum class Change {
    Created,   // does not exist yet
    Changed,   // exists; `fields` lists what the apply would change
    Pruned,    // owned by the IstioOperator but no longer rendered: prune would delete it
    Conflict,  // owned by another IstioOperator that exists: the applier would leave it alone
    Failed,    // the live copy could not be read or the server refused the dry run: see message
  };
  std::string component;  // "" for objects the diff adds (a namespace) or prunes without a label
  std::string object;     // describeObject(): "Deployment istio-system/istiod-1-8-1"
  Change change = Change::Changed;
  std::vector<FieldChange> fields;  // for Changed
  std::string message;              // for Conflict and Failed
};

struct ManifestDiff {
  // Objects that would change or could not be judged, in apply order, then pruned ones in prune
  // order. Objects that would not change are left out.
  std::vector<ObjectDiff> objects;
  // Whether applying would change anything (Created, Changed or Pruned entries).
  bool changes() const;
  // Whether some object could not be judged (Failed entries): the diff is incomplete.
  bool failed() const;
};

// Compares `objects` (render order, for `owner`) with the live cluster. Blocks on one GET and one
// dry-run apply per object and one LIST per prunable kind; writes nothing. `client` is borrowed.
// `ownerExists` decides conflicts as it does for the Applier (pass ownerExistsVia(client)).
ManifestDiff diffAgainstCluster(kube::Client& client, const std::vector<RenderedObject>& objects,
                                const Owner& owner, const OwnerExists& ownerExists);

// The fields in which `after` (a dry-run result) differs from `before` (the live object), ignoring
// what the server fills in on every write (metadata.managedFields, resourceVersion, generation,
// uid, creationTimestamp, selfLink) and status. Maps compare key by key; lists whose elements all
// have a "name" (containers, ports, env) compare by name, other lists of equal length element by
// element, and lists of different length as a whole. Pure.
std::vector<FieldChange> fieldChanges(const nlohmann::json& before, const nlohmann::json& after);

}  // namespace iop::reconcilers
