#pragma once

// YAML the way Helm and istioctl read and write it (sigs.k8s.io/yaml over go-yaml v2):
//
// parseYaml is sigs.k8s.io/yaml.Unmarshal into an interface{}: go-yaml v2 decodes the FIRST
// document with YAML 1.1 resolution of plain scalars (yes/no/on/off/y/n are booleans, 0777 is
// octal, 1_000 is an int, ~ is null, merge keys `<<` apply), then a JSON round trip makes every
// number a float64 (a number_float here) and every map key a string. Quoted and block scalars
// are strings. Errors: invalid YAML, keys that are not scalars, .inf/.nan values (JSON cannot
// hold them). Error texts are not go-yaml's word for word.
//
// toYaml is sigs.k8s.io/yaml.Marshal: a JSON round trip, then go-yaml v2's emitter byte for byte
// (block style, keys in go-yaml's natural order, its quoting and literal-block rules, folding at
// 80 columns, floats as strconv 'g'). The text ends with a newline; Helm's template function
// toYaml trims it.
//
// Both are pure functions, safe to call from any thread.

#include <memory>
#include <string>
#include <string_view>

#include "template/chart.h"

namespace iop::tmpl {

Result<Value> parseYaml(std::string_view text);
Result<std::string> toYaml(const Value& value);

}  // namespace iop::tmpl

namespace iop::tmpl::detail {

class Val;

// The engine's own entry points (template values keep Go's types).
struct YamlParse;
// sigs.k8s.io/yaml.Unmarshal into interface{}: the value, or Go-like error text.
struct YamlResult {
  bool ok = false;
  std::string error;
};
YamlResult parseYamlVal(std::string_view text, Val& out);
// The same, remembering the last text it parsed in `*memo` (created on first use): reading that
// text again, once, skips yaml-cpp's parse, the costly part, and only converts, so each call
// still gets a value of its own. Istio's base chart reads every CRD twice in a row (`$crd | fromYaml`): a
// fifth of a default-profile render. A memo belongs to one render (Renderer::yamlMemo), never to
// two threads.
struct YamlMemo;
YamlResult parseYamlVal(std::string_view text, Val& out, std::shared_ptr<YamlMemo>& memo);
// Every document of a stream (Helm's LoadValues merges them): each as parseYamlVal would give it.
YamlResult parseYamlDocuments(std::string_view text, std::vector<Val>& out);
// sigs.k8s.io/yaml.Marshal: the YAML text (with its final newline), or the JSON error.
YamlResult marshalYaml(const Val& v, std::string& out);

}  // namespace iop::tmpl::detail
