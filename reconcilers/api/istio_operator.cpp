#include "reconcilers/api/istio_operator.h"

#include <stdexcept>

#include "base/yaml_json.h"
#include "reconcilers/api/budgets.h"
#include "reconcilers/api/json_tree.h"

namespace iop::reconcilers {

using nlohmann::json;

std::string IstioOperator::revision() const {
  return getString(spec, "revision");
}
std::string IstioOperator::profile() const {
  return getString(spec, "profile");
}

ParseResult istioOperatorFromJson(const json& doc, const ValidationOptions& options) {
  ParseResult result;
  result.errors = validateIstioOperator(doc, options);
  if (!result.errors.empty()) return result;
  IstioOperator iop;
  iop.name = getString(doc, "metadata.name");
  iop.namespace_ = getString(doc, "metadata.namespace");
  if (auto spec = doc.find("spec"); spec != doc.end() && spec->is_object()) iop.spec = *spec;
  result.iop = std::move(iop);
  return result;
}

ParseResult parseIstioOperator(const std::string& text, const ValidationOptions& options) {
  std::vector<json> docs;
  try {
    docs = iop::base::yamlDocumentsToJson(text, crYamlLimits());
  } catch (const iop::base::YamlError& e) {
    return ParseResult{std::nullopt, {{"", e.what()}}};
  } catch (const std::exception& e) {
    return ParseResult{std::nullopt, {{"", e.what()}}};
  }
  std::erase_if(docs, [](const json& d) { return d.is_null(); });
  if (docs.size() != 1) {
    return ParseResult{
        std::nullopt,
        {{"", "expected exactly one IstioOperator document, found " + std::to_string(docs.size())}}};
  }
  return istioOperatorFromJson(docs.front(), options);
}

}  // namespace iop::reconcilers
