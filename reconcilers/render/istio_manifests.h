#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "template/chart.h"

// Istio's release data that iop renders: the Helm charts and the installation profiles of one
// Istio version, laid out as that version's `manifests/` directory (charts/<chart>/...,
// profiles/<name>.yaml). Either the ones compiled in from the pinned istio.io/istio module at
// build time, or a directory given at run time (`--manifests DIR`, `spec.installPackagePath`),
// which then is the whole truth, as istioctl's BuiltinOrDir: nothing falls back to the
// compiled-in files.
namespace iop::reconcilers {

// The charts of Istio's operator components (operator/pkg/component), plus the `default` chart
// that revision tags render. A directory must hold every one of them.
inline constexpr const char* kIstioCharts[] = {"base",
                                               "istio-control/istio-discovery",
                                               "gateways/istio-ingress",
                                               "gateways/istio-egress",
                                               "istio-cni",
                                               "ztunnel",
                                               "default"};

class IstioManifests {
 public:
  // The compiled-in manifests. Lives for the whole process; thread-safe.
  static std::shared_ptr<const IstioManifests> compiledIn();

  // The manifests of a directory laid out like Istio's `manifests/`. Every file of the charts
  // above and of profiles/ is read now; a missing directory, chart, Chart.yaml or profile
  // directory is an error naming the path. Loads of an unchanged directory (same files, sizes
  // and modification times) return the same object, so its parsed charts are reused.
  static tmpl::Result<std::shared_ptr<const IstioManifests>> fromDirectory(const std::string& dir);

  // For messages: "compiled-in Istio <version>" or the directory.
  const std::string& description() const { return description_; }

  std::set<std::string> profileNames() const;
  // profiles/<name>.yaml, or nullopt.
  std::optional<std::string_view> profile(const std::string& name) const;

  // The chart at charts/<subdir> (one of kIstioCharts), parsed on first use and kept: every
  // template is parsed once per process, not per render. Thread-safe; the pointer lives as long
  // as this object. An Error names the file, line and column of a template that does not parse.
  tmpl::Result<const tmpl::Chart*> chart(const std::string& subdir) const;

  // The raw files, keyed "charts/base/Chart.yaml", "profiles/default.yaml", ...; the views live
  // as long as this object.
  const std::map<std::string, std::string_view, std::less<>>& files() const { return files_; }

 private:
  IstioManifests(std::string description, std::map<std::string, std::string_view, std::less<>> files,
                 std::map<std::string, std::string> owned);

  std::string description_;
  // Views into the binary's read-only data (compiled in) or into owned_ (a directory): the
  // compiled-in megabytes are never copied to the heap.
  std::map<std::string, std::string_view, std::less<>> files_;
  std::map<std::string, std::string> owned_;

  mutable std::mutex mu_;
  // Parsed charts by subdir; an entry is never removed or replaced once set (pointers handed
  // out stay valid). Guarded by mu_.
  mutable std::map<std::string, std::unique_ptr<tmpl::Result<tmpl::Chart>>> charts_;
};

}  // namespace iop::reconcilers
