#include "reconcilers/apply/manifest_diff.h"

#include <set>

#include "reconcilers/apply/desired_hash.h"

namespace iop::reconcilers {

using json = nlohmann::json;
using Change = ObjectDiff::Change;

namespace {

const kube::GroupVersionKind kNamespaceGVK{"", "v1", "Namespace"};

// Written by the server on every write or owned by controllers: never what an apply changes.
json withoutServerFields(json o) {
  if (!o.is_object()) return o;
  o.erase("status");
  if (o.contains("metadata") && o["metadata"].is_object()) {
    for (const char* f :
         {"managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink"})
      o["metadata"].erase(f);
  }
  return o;
}

// Keys with dots or slashes (labels, annotations) in brackets, so the path stays unambiguous.
std::string child(const std::string& path, const std::string& key) {
  if (key.find_first_of("./") != std::string::npos) return path + "[\"" + key + "\"]";
  return path.empty() ? key : path + "." + key;
}

// Whether every element of `list` is an object with a distinct string "name".
bool namedList(const json& list) {
  std::set<std::string> names;
  for (const auto& e : list) {
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string()) return false;
    if (!names.insert(e["name"].get<std::string>()).second) return false;
  }
  return !list.empty();
}

void compare(const json& before, const json& after, const std::string& path, std::vector<FieldChange>& out) {
  if (before.is_object() && after.is_object()) {
    for (const auto& [k, v] : before.items())
      if (!after.contains(k)) out.push_back({child(path, k), v, std::nullopt});
    for (const auto& [k, v] : after.items()) {
      auto it = before.find(k);
      if (it == before.end()) {
        out.push_back({child(path, k), std::nullopt, v});
      } else {
        compare(*it, v, child(path, k), out);
      }
    }
    return;
  }
  if (before.is_array() && after.is_array()) {
    if (namedList(before) && namedList(after)) {
      auto find = [](const json& list, const json& name) -> const json* {
        for (const auto& e : list)
          if (e["name"] == name) return &e;
        return nullptr;
      };
      for (const auto& b : before) {
        const std::string at = path + "[name=" + b["name"].get<std::string>() + "]";
        if (const json* a = find(after, b["name"])) {
          compare(b, *a, at, out);
        } else {
          out.push_back({at, b, std::nullopt});
        }
      }
      for (const auto& a : after)
        if (!find(before, a["name"]))
          out.push_back({path + "[name=" + a["name"].get<std::string>() + "]", std::nullopt, a});
      return;
    }
    if (before.size() == after.size()) {
      for (std::size_t i = 0; i < before.size(); ++i)
        compare(before[i], after[i], path + "[" + std::to_string(i) + "]", out);
      return;
    }
  }
  if (before != after) out.push_back({path, before, after});
}

// kind|namespace|name, with no namespace for cluster-scoped kinds (a rendered ClusterRole may carry one).
std::string keyOf(const json& o, bool namespaced) {
  const json meta = o.value("metadata", json::object());
  return o.value("kind", "") + "|" + (namespaced ? meta.value("namespace", "") : "") + "|" +
         meta.value("name", "");
}

}  // namespace

bool ManifestDiff::changes() const {
  for (const auto& o : objects)
    if (o.change == Change::Created || o.change == Change::Changed || o.change == Change::Pruned) return true;
  return false;
}

bool ManifestDiff::failed() const {
  for (const auto& o : objects)
    if (o.change == Change::Failed) return true;
  return false;
}

std::vector<FieldChange> fieldChanges(const json& before, const json& after) {
  std::vector<FieldChange> out;
  compare(withoutServerFields(before), withoutServerFields(after), "", out);
  return out;
}

ManifestDiff diffAgainstCluster(kube::Client& client, const std::vector<RenderedObject>& objects,
                                const Owner& owner, const OwnerExists& ownerExists) {
  ManifestDiff diff;
  std::set<std::string> wanted;
  std::set<std::string> namespacesChecked, namespacesMissing;
  for (const auto& rendered : objects) {
    ObjectDiff d{rendered.component, describeObject(rendered.object)};
    const json& meta = rendered.object["metadata"];
    const OwnedKind* kind = ownedKind(rendered.object.value("kind", ""));
    const bool namespaced = kind ? kind->namespaced : !meta.value("namespace", "").empty();
    const std::string ns = namespaced ? meta.value("namespace", "") : "";
    const std::string name = meta.value("name", "");
    wanted.insert(keyOf(rendered.object, namespaced));

    // The applier creates a missing namespace before the first object in it; the server cannot
    // dry-run objects into a namespace that does not exist, and they are all new anyway.
    if (!ns.empty() && namespacesChecked.insert(ns).second) {
      auto got = client.get(kNamespaceGVK, "", ns);
      if (!got && kube::isNotFound(got.error())) {
        namespacesMissing.insert(ns);
        diff.objects.push_back({"", "Namespace " + ns, Change::Created, {}, ""});
      } else if (!got) {
        diff.objects.push_back({"", "Namespace " + ns, Change::Failed, {}, got.error().describe()});
      }
    }
    if (namespacesMissing.count(ns)) {
      d.change = Change::Created;
      diff.objects.push_back(std::move(d));
      continue;
    }

    const auto gvk = kube::GroupVersionKind::fromObject(rendered.object);
    auto live = client.get(gvk, ns, name);
    if (!live && !kube::isNotFound(live.error())) {
      d.change = Change::Failed;
      d.message = "reading the live copy: " + live.error().describe();
      diff.objects.push_back(std::move(d));
      continue;
    }
    const json desired = withDesiredHash(rendered.object);
    if (live) {
      // The applier's rules, in its order: another live owner wins; the same hash without drift
      // is not sent at all.
      Owner current = ownerOf(*live);
      const Holding holding = holdingOf(*live, desired, owner, false, ownerExists);
      // Shared with another revision's installation: the applier joins its co-owners, nothing more.
      if (holding == Holding::Share) continue;
      if (holding == Holding::Conflict || holding == Holding::Foreign) {
        d.change = Change::Conflict;
        d.message = holding == Holding::Foreign
                        ? std::string("installed by no IstioOperator (no ") + kManagedLabel +
                              " label): would be left alone"
                        : "owned by IstioOperator " + current.describe() + ": would be left alone";
        diff.objects.push_back(std::move(d));
        continue;
      }
      if (current == owner && liveHash(*live) == liveHash(desired) && driftedField(*live, desired).empty())
        continue;
    }
    auto dry = client.apply(desired, {.fieldManager = kFieldManager, .force = true, .dryRun = true});
    if (!dry) {
      d.change = Change::Failed;
      d.message = "dry-run apply: " + dry.error().describe();
      diff.objects.push_back(std::move(d));
      continue;
    }
    if (!live) {
      d.change = Change::Created;
      diff.objects.push_back(std::move(d));
      continue;
    }
    d.fields = fieldChanges(*live, *dry);
    // The hash annotation changes with every other change: only worth a line on its own.
    const std::string hashPath = std::string("metadata.annotations[\"") + kDesiredHashAnnotation + "\"]";
    if (d.fields.size() > 1)
      std::erase_if(d.fields, [&](const FieldChange& c) { return c.path == hashPath; });
    if (!d.fields.empty()) diff.objects.push_back(std::move(d));
  }

  ClientLiveState direct(client);
  const auto& kinds = ownedKinds();
  for (auto it = kinds.rbegin(); it != kinds.rend(); ++it) {
    if (!it->prunable) continue;
    auto owned = direct.owned(*it, owner);
    if (!owned) {
      diff.objects.push_back({"",
                              it->gvk.kind + "s owned by " + owner.describe(),
                              Change::Failed,
                              {},
                              "listing: " + owned.error().describe()});
      continue;
    }
    for (const auto& o : *owned) {
      if (wanted.count(keyOf(o, it->namespaced))) continue;
      const json labels = o["metadata"].value("labels", json::object());
      diff.objects.push_back({labels.value(kComponentLabel, ""), describeObject(o), Change::Pruned, {}, ""});
    }
  }
  return diff;
}

}  // namespace iop::reconcilers
