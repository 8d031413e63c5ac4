#pragma once

#include <string>

// The pinned Istio release as the tests see it: the module's `manifests/` directory in Go's
// module cache (scripts/fetch-istio.sh), to compare what iop compiled in with what the release
// holds and to build charts directories of its own from real charts.
namespace iop::test {

// The pinned release's manifests/ directory, or of `version` when given. Fetched once per
// process; a test fails (REQUIRE) when the module cannot be had.
std::string istioManifestsDir(const std::string& version = "");

// A copy of the pinned release's manifests/ (charts and profiles) in a new temporary directory
// that the test may change; removed by the destructor.
class ManifestsCopy {
 public:
  ManifestsCopy();
  ~ManifestsCopy();
  ManifestsCopy(const ManifestsCopy&) = delete;
  ManifestsCopy& operator=(const ManifestsCopy&) = delete;
  const std::string& dir() const { return dir_; }
  // Writes `text` to `relative` (e.g. "charts/base/templates/x.yaml"), replacing it.
  void write(const std::string& relative, const std::string& text) const;

 private:
  std::string dir_;
};

}  // namespace iop::test
