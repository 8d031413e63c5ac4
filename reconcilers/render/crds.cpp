// Istio's API CustomResourceDefinitions, as the Base component installs them. The identity of
// each CRD (group, names, scope, versions, printer columns) is Istio's; the schemas are
// permissive (x-kubernetes-preserve-unknown-fields) because validating Istio's config is
// istiod's job (its validating webhook), not the API server's.
#include <string>
#include <vector>

#include "reconcilers/render/render_internal.h"

namespace iop::reconcilers::detail {

using nlohmann::json;

namespace {

struct Column {
  const char* name;
  const char* type;
  const char* jsonPath;
  const char* description;
};
struct Version {
  const char* name;
  bool served;
  bool storage;
  bool statusSubresource;
  std::vector<Column> columns;
};
struct Crd {
  const char* group;
  const char* kind;
  const char* listKind;
  const char* plural;
  const char* singular;
  const char* scope;
  std::vector<const char*> shortNames;
  std::vector<const char*> categories;
  std::vector<Version> versions;
};

const std::vector<Crd>& table() {
  static const std::vector<Crd> crds = {
#include "reconcilers/render/istio_crds_table.inc"
  };
  return crds;
}

}  // namespace

std::vector<json> istioCrds(const json& labels) {
  std::vector<json> out;
  for (const auto& c : table()) {
    json names = {{"kind", c.kind}, {"listKind", c.listKind}, {"plural", c.plural}, {"singular", c.singular}};
    if (!c.shortNames.empty()) names["shortNames"] = c.shortNames;
    if (!c.categories.empty()) names["categories"] = c.categories;
    json versions = json::array();
    for (const auto& v : c.versions) {
      json ver = {
          {"name", v.name},
          {"served", v.served},
          {"storage", v.storage},
          {"schema",
           {{"openAPIV3Schema",
             {{"type", "object"},
              {"properties",
               {{"spec", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}},
                {"status", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}}}}}};
      if (!v.columns.empty()) {
        json cols = json::array();
        for (const auto& col : v.columns) {
          json cj = {{"name", col.name}, {"type", col.type}, {"jsonPath", col.jsonPath}};
          if (*col.description) cj["description"] = col.description;
          cols.push_back(cj);
        }
        ver["additionalPrinterColumns"] = cols;
      }
      if (v.statusSubresource) ver["subresources"] = {{"status", json::object()}};
      versions.push_back(ver);
    }
    const std::string name = std::string(c.plural) + "." + c.group;
    out.push_back(
        {{"apiVersion", "apiextensions.k8s.io/v1"},
         {"kind", "CustomResourceDefinition"},
         {"metadata",
          {{"name", name}, {"labels", labels}, {"annotations", {{"helm.sh/resource-policy", "keep"}}}}},
         {"spec", {{"group", c.group}, {"names", names}, {"scope", c.scope}, {"versions", versions}}}});
  }
  return out;
}

}  // namespace iop::reconcilers::detail
