#include "reconcilers/render/istio_manifests.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "reconcilers/render/istio_manifests_data.h"

#ifndef IOP_ISTIO_SOURCE
#define IOP_ISTIO_SOURCE "unknown"
#endif
#ifndef IOP_ISTIO_RELEASE
#define IOP_ISTIO_RELEASE "unknown"
#endif

namespace iop::reconcilers {

namespace fs = std::filesystem;

namespace {

// Files of a directory source that iop reads: every chart of kIstioCharts and the profiles.
// Anything else under manifests/ (addons, sample charts) is not Istio's operator's business.
bool wanted(const std::string& rel) {
  if (rel.starts_with("profiles/")) return rel.ends_with(".yaml") && rel.find('/', 9) == std::string::npos;
  for (const char* chart : kIstioCharts) {
    if (rel.starts_with(std::string("charts/") + chart + "/")) return true;
  }
  return false;
}

// What identifies a directory's content without reading it: every wanted file's path, size and
// modification time. A change to any file changes the fingerprint.
struct Listing {
  std::vector<std::string> files;  // relative, sorted
  std::string fingerprint;
};

tmpl::Result<Listing> list(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return tmpl::Error{"Istio manifests directory " + dir.string() + " does not exist or is not a directory"};
  }
  Listing out;
  for (const char* sub : {"profiles"}) {
    if (!fs::is_directory(dir / sub, ec)) {
      return tmpl::Error{dir.string() + " is not an Istio manifests directory: " + (dir / sub).string() +
                         " is missing"};
    }
  }
  for (const char* chart : kIstioCharts) {
    fs::path chartYaml = dir / "charts" / chart / "Chart.yaml";
    if (!fs::is_regular_file(chartYaml, ec)) {
      return tmpl::Error{dir.string() + " is not an Istio manifests directory: " + chartYaml.string() +
                         " is missing"};
    }
  }
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) return tmpl::Error{"cannot read " + dir.string() + ": " + ec.message()};
  for (; it != end; it.increment(ec)) {
    if (ec) return tmpl::Error{"cannot read " + dir.string() + ": " + ec.message()};
    if (!it->is_regular_file(ec)) continue;
    std::string rel = fs::relative(it->path(), dir, ec).generic_string();
    if (ec || !wanted(rel)) continue;
    out.files.push_back(rel);
  }
  std::sort(out.files.begin(), out.files.end());
  for (const auto& rel : out.files) {
    struct stat st {};
    if (::stat((dir / rel).c_str(), &st) != 0) return tmpl::Error{"cannot stat " + (dir / rel).string()};
    out.fingerprint += rel + '\0' + std::to_string(st.st_size) + '\0' + std::to_string(st.st_mtim.tv_sec) +
                       '.' + std::to_string(st.st_mtim.tv_nsec) + '\n';
  }
  return out;
}

}  // namespace

IstioManifests::IstioManifests(std::string description,
                               std::map<std::string, std::string_view, std::less<>> files,
                               std::map<std::string, std::string> owned)
    : description_(std::move(description)), files_(std::move(files)), owned_(std::move(owned)) {
  // Views into a moved std::map's values stay valid: nodes do not move.
}

std::shared_ptr<const IstioManifests> IstioManifests::compiledIn() {
  static const std::shared_ptr<const IstioManifests> builtin = [] {
    return std::shared_ptr<const IstioManifests>(new IstioManifests(
        std::string("compiled-in Istio ") + IOP_ISTIO_RELEASE + " (" + IOP_ISTIO_SOURCE + ")",
        compiledInIstioFiles(), {}));
  }();
  return builtin;
}

tmpl::Result<std::shared_ptr<const IstioManifests>> IstioManifests::fromDirectory(const std::string& dir) {
  // Parsing Istio's charts costs milliseconds and megabytes: an operator that renders from a
  // directory on every reconcile must not pay that each time, so unchanged directories are
  // served from here. Entries are kept while the directory exists (a handful in practice).
  static std::mutex cacheMu;
  static std::map<std::string, std::pair<std::string, std::shared_ptr<const IstioManifests>>> cache;

  std::error_code ec;
  fs::path abs = fs::absolute(fs::path(dir), ec);
  if (ec) return tmpl::Error{"cannot resolve " + dir + ": " + ec.message()};
  auto listing = list(abs);
  if (!listing) return listing.error();
  {
    std::lock_guard lock(cacheMu);
    auto it = cache.find(abs.string());
    if (it != cache.end() && it->second.first == listing->fingerprint) return it->second.second;
  }
  std::map<std::string, std::string> owned;
  std::map<std::string, std::string_view, std::less<>> files;
  for (const auto& rel : listing->files) {
    std::ifstream in(abs / rel, std::ios::binary);
    if (!in) return tmpl::Error{"cannot read " + (abs / rel).string()};
    std::ostringstream ss;
    ss << in.rdbuf();
    files.emplace(rel, owned.emplace(rel, ss.str()).first->second);
  }
  auto manifests = std::shared_ptr<const IstioManifests>(
      new IstioManifests(abs.string(), std::move(files), std::move(owned)));
  std::lock_guard lock(cacheMu);
  cache[abs.string()] = {listing->fingerprint, manifests};
  return manifests;
}

std::set<std::string> IstioManifests::profileNames() const {
  std::set<std::string> out;
  const std::string prefix = "profiles/", suffix = ".yaml";
  for (auto it = files_.lower_bound(prefix); it != files_.end() && it->first.starts_with(prefix); ++it) {
    if (it->first.ends_with(suffix))
      out.insert(it->first.substr(prefix.size(), it->first.size() - prefix.size() - suffix.size()));
  }
  return out;
}

std::optional<std::string_view> IstioManifests::profile(const std::string& name) const {
  auto it = files_.find("profiles/" + name + ".yaml");
  if (it == files_.end()) return std::nullopt;
  return it->second;
}

tmpl::Result<const tmpl::Chart*> IstioManifests::chart(const std::string& subdir) const {
  std::lock_guard lock(mu_);
  auto& slot = charts_[subdir];
  if (!slot) {
    const std::string prefix = "charts/" + subdir + "/";
    std::map<std::string, std::string> chartFiles;
    for (auto it = files_.lower_bound(prefix); it != files_.end() && it->first.starts_with(prefix); ++it)
      chartFiles.emplace(it->first.substr(prefix.size()), std::string(it->second));
    if (chartFiles.empty()) {
      slot = std::make_unique<tmpl::Result<tmpl::Chart>>(
          tmpl::Error{"chart " + subdir + " not found in " + description_});
    } else {
      slot = std::make_unique<tmpl::Result<tmpl::Chart>>(tmpl::Chart::load(std::move(chartFiles)));
    }
  }
  if (!slot->ok()) return slot->error();
  return &slot->value();
}

}  // namespace iop::reconcilers
