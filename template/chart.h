#pragma once

// The contract between the Helm engine (this folder, no Istio and no Kubernetes words in it) and
// its user, reconcilers' renderer. The engine renders a Helm chart exactly as Helm v4's
// `engine.Render` does after `chartutil.ToRenderValues` (what istioctl calls in
// operator/pkg/helm/helm.go), output for output; it is tested against Helm's own Go engine.
//
// Thread-safety: a loaded Chart is immutable; render() may be called on one Chart from many
// threads at once. Nothing here does I/O: the caller hands the chart's files in.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>
#include <variant>
#include <vector>

namespace iop::tmpl {

// A template or chart error, as Helm reports it. `message` is the whole text a user sees, in
// Go's words where Go has them ("template: istiod/templates/deployment.yaml:12:5: executing
// \"istiod/templates/deployment.yaml\" at <.Values.x>: ..."); file/line/column locate it when
// known (line and column are 1-based; 0 when unknown).
struct Error {
  std::string message;
  std::string file;
  int line = 0;
  int column = 0;
};

// Either a value or an Error.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Values cross this boundary as JSON with Go's types kept apart: number_integer is Go's int64,
// number_unsigned uint64, number_float float64 (so `{{ 1000000.0 }}` prints 1e+06 as in Go).
// The chart's own values.yaml is read by the engine with Helm's rules.
//
// Helm (and istioctl) hand values that came from YAML or JSON to the engine with every number a
// float64: `{{ .Values.replicas }}` of 1000000 prints 1e+06 and `eq .Values.port 80` fails on int
// vs float. To render as istioctl does, pass values whose numbers are number_float: what
// parseYaml (template/go_yaml.h) returns, or withGoNumbers() below.
using Value = nlohmann::json;

// `v` with every integer turned into a float64 (number_float), as encoding/json and
// sigs.k8s.io/yaml decode numbers into interface{}.
Value withGoNumbers(const Value& v);

// fmt.Sprint of `v` with Go's types (number_float a float64, maps as map[k:v], null as <nil>):
// what `{{ v }}` prints for a value that is present.
std::string sprint(const Value& v);

class ParsedChart;  // the engine's private representation: templates parsed once

// A chart held in memory with every template parsed once (parse cost and memory are paid at
// load, never per render).
class Chart {
 public:
  // `files`: every file of the chart, keyed by its path relative to the chart's root with '/'
  // separators ("Chart.yaml", "values.yaml", "templates/deployment.yaml", "files/x.yaml",
  // "crds/..."). Fails on a missing or bad Chart.yaml, a values.yaml that does not parse, any
  // template that does not parse (all with file:line:column), and on dependencies (subcharts),
  // which the engine does not support.
  static Result<Chart> load(std::map<std::string, std::string> files);

  const std::string& name() const;
  const std::string& version() const;
  const std::string& appVersion() const;
  // values.yaml, as Helm reads it.
  const Value& values() const;
  // The files under crds/, sorted by path, as Helm's Chart.CRDObjects() gives them.
  std::vector<std::pair<std::string, std::string>> crdFiles() const;

  // For render(); shared so copies of a Chart are cheap.
  const std::shared_ptr<const ParsedChart>& parsed() const { return parsed_; }

 private:
  std::shared_ptr<const ParsedChart> parsed_;
};

// `.Release`. The defaults are what istioctl passes (common.ReleaseOptions{Name, Namespace}: the
// other fields at Go's zero values).
struct ReleaseOptions {
  std::string name;
  std::string namespace_;
  int revision = 0;
  bool isInstall = false;
  bool isUpgrade = false;
  // Not used: Helm's ToRenderValues always sets .Release.Service to "Helm". Kept for source
  // compatibility.
  std::string service = "Helm";
};

// `.Capabilities`. Defaults are Helm's DefaultCapabilities (its KubeVersion, its API versions).
// istioctl replaces the KubeVersion: with the cluster's version info, or without a cluster with
// ParseKubeVersion("1.<MinK8SVersion>.0") — give kubeVersion "v1.32.0", kubeMajor "1",
// kubeMinor "32" for that. Both .KubeVersion.GitVersion and .KubeVersion (String()) print
// kubeVersion.
struct Capabilities {
  std::string kubeVersion;  // e.g. "v1.28.0"; empty: Helm's default (v1.36.0 for Helm v4.2.0)
  std::string kubeMajor;
  std::string kubeMinor;
  // Empty: Helm's default version set.
  std::vector<std::string> apiVersions;
};

// Bounds on one render, so that no chart or values (a user's `tpl`, a user's --manifests) can
// crash or hang the caller. Exceeding one is an Error naming the template and the limit.
struct Limits {
  // Nesting of include/template/tpl calls: a call nested deeper than maxIncludeDepth + 1 levels
  // fails. With the default, a template that includes itself fails exactly where Helm's own
  // limit (1000 nested includes of one name) fails, with Helm's message.
  int maxIncludeDepth = 1000;
  // Total bytes of output of one render.
  std::size_t maxOutputBytes = std::size_t{64} << 20;
  // Evaluation steps (actions, function calls, range iterations) of one render.
  std::uint64_t maxSteps = 50'000'000;
  // Checked between steps; a stop request ends the render with an Error ("render cancelled").
  std::stop_token stop;
};

// Helm's ToRenderValues (values coalesced over the chart's values.yaml; .Release, .Chart,
// .Capabilities, .Files, .Template) followed by engine.Render. Returns every rendered template
// keyed as Helm keys them ("<chart name>/templates/<file>"), partials ("_*.tpl") left out and
// NOTES.txt included, as Helm does; text is Helm's, including its "<no value>" stripping.
Result<std::map<std::string, std::string>> render(const Chart& chart, const Value& values,
                                                  const ReleaseOptions& release,
                                                  const Capabilities& capabilities = {},
                                                  const Limits& limits = {});

}  // namespace iop::tmpl
