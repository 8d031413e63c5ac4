// libFuzzer target: arbitrary bytes as an IstioOperator document, read as JSON (what the API
// server hands the operator) or else as YAML, through validateIstioOperator: names, numbers,
// budgets, and Istio's own values/meshConfig schema. Validation promises to return errors,
// never to throw or crash, and to stay within the budgets of reconcilers/api/budgets.h whatever
// the document (run under -rss_limit_mb=256 -timeout=2 by fuzz/run.sh).
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/yaml_json.h"
#include "reconcilers/api/budgets.h"
#include "reconcilers/api/istio_operator.h"
#include "reconcilers/api/values_schema.h"

using namespace iop::reconcilers;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    try {
      auto docs = iop::base::yamlDocumentsToJson(text, crYamlLimits());
      if (docs.empty()) return 0;
      doc = std::move(docs.front());
    } catch (const iop::base::YamlError&) {
      return 0;  // the documented way a text that is no YAML is reported
    }
  }
  for (const auto& e : validateIstioOperator(doc)) (void)e.str();
  // The schema check alone, on any spec-shaped value, as validation would reach it.
  FieldErrors errs;
  checkIstioValues(nlohmann::json{{"values", doc}, {"meshConfig", doc}}, errs);
  return 0;
}
