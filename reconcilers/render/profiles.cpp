#include "reconcilers/render/profiles.h"

#include "reconcilers/api/json_tree.h"
#include "template/go_yaml.h"

namespace iop::reconcilers {

using nlohmann::json;

namespace {

std::optional<json> load(const IstioManifests& manifests, const std::string& name, std::string& error) {
  auto text = manifests.profile(name);
  if (!text) {
    std::string known;
    for (const auto& p : manifests.profileNames()) known += (known.empty() ? "" : ", ") + p;
    error = "profile \"" + name + "\" not found in " + manifests.description() + " (known: " + known + ")";
    return std::nullopt;
  }
  auto doc = tmpl::parseYaml(*text);
  if (!doc) {
    error = "profile \"" + name + "\" of " + manifests.description() + ": " + doc.error().message;
    return std::nullopt;
  }
  if (!doc->is_object()) {
    error = "profile \"" + name + "\" of " + manifests.description() + " is not an IstioOperator document";
    return std::nullopt;
  }
  return tmpl::withGoNumbers(*doc);
}

}  // namespace

std::optional<json> resolveProfile(const IstioManifests& manifests, const std::string& name,
                                   std::string& error) {
  auto base = load(manifests, "default", error);
  if (!base) return std::nullopt;
  if (name.empty() || name == "default") return base;
  auto top = load(manifests, name, error);
  if (!top) return std::nullopt;
  deepMerge(*base, *top);
  return base;
}

}  // namespace iop::reconcilers
