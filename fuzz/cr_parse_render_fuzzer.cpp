// libFuzzer target: arbitrary bytes as an IstioOperator file, through the steps `iop install -f`
// and `iop manifest generate` take: parse + validate, render, and serialize every rendered
// object as JSON (what the applier sends) and YAML (what manifest generate prints). The API
// promises none of these throws or crashes, whatever the input; errors are values.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/yaml_json.h"
#include "reconcilers/api/istio_operator.h"
#include "reconcilers/render/render.h"

using namespace iop::reconcilers;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::set<std::string> names = IstioManifests::compiledIn()->profileNames();
  const std::string text(reinterpret_cast<const char*>(data), size);
  ParseResult parsed = parseIstioOperator(text, {.profiles = names});
  for (const auto& e : parsed.errors) (void)e.str();
  if (!parsed.ok()) return 0;
  RenderResult rendered = render(*parsed.iop, {.iopVersion = "fuzz"});
  for (const auto& e : rendered.errors) (void)e.str();
  if (!rendered.ok()) return 0;
  for (const auto& o : rendered.objects) {
    (void)o.object.dump();
    (void)iop::base::jsonToYaml(o.object);
  }
  return 0;
}
