// libFuzzer target: arbitrary text as a chart template (and, after the first NUL byte, as YAML
// values) must render or fail with an Error, never crash, hang or overflow the stack, within
// small bounds. Also feeds the value text through the YAML reader and writer.
#include <cstdint>
#include <string>

#include "template/chart.h"
#include "template/go_yaml.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  std::string tmpl = input, valuesText;
  if (auto nul = input.find('\0'); nul != std::string::npos) {
    tmpl = input.substr(0, nul);
    valuesText = input.substr(nul + 1);
  }
  iop::tmpl::Value values = iop::tmpl::Value::object();
  if (!valuesText.empty()) {
    auto parsed = iop::tmpl::parseYaml(valuesText);
    if (parsed.ok()) {
      (void)iop::tmpl::toYaml(*parsed);
      if (parsed->is_object()) values = *parsed;
    }
  }
  std::map<std::string, std::string> files = {
      {"Chart.yaml", "apiVersion: v2\nname: f\nversion: 0.1.0\n"},
      {"values.yaml", "a: {b: [1, x, null]}\ns: str\n"},
      {"templates/t.yaml", tmpl},
      {"templates/_h.tpl", "{{ define \"h\" }}{{ toYaml . }}{{ tpl (toString .) $ }}{{ end }}"},
  };
  auto chart = iop::tmpl::Chart::load(std::move(files));
  if (!chart.ok()) return 0;
  iop::tmpl::Limits limits;
  limits.maxSteps = 200'000;
  limits.maxOutputBytes = 1 << 20;
  limits.maxIncludeDepth = 40;
  (void)iop::tmpl::render(*chart, values, iop::tmpl::ReleaseOptions{"r", "ns"}, {}, limits);
  return 0;
}
