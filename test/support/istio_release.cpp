#include "test/support/istio_release.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "test/support/process.h"

namespace iop::test {

namespace fs = std::filesystem;

std::string istioManifestsDir(const std::string& version) {
  static std::mutex mu;
  static std::map<std::string, std::string> dirs;
  std::lock_guard lock(mu);
  auto it = dirs.find(version);
  if (it != dirs.end()) return it->second;
  std::vector<std::string> argv = {"bash", std::string(IOP_SOURCE_DIR) + "/scripts/fetch-istio.sh"};
  if (!version.empty()) argv.push_back(version);
  auto r = run(argv, "", /*withStderr=*/false);
  INFO("scripts/fetch-istio.sh " << version << " said: " << r.out);
  REQUIRE(r.exitCode == 0);
  std::string dir = r.out.substr(0, r.out.find_last_not_of("\n") + 1);
  REQUIRE(fs::is_directory(dir + "/charts"));
  return dirs[version] = dir;
}

ManifestsCopy::ManifestsCopy() {
  static int counter = 0;
  dir_ = (fs::temp_directory_path() /
          ("iop-manifests-" + std::to_string(::getpid()) + "-" + std::to_string(++counter)))
             .string();
  fs::create_directories(dir_);
  const fs::path src = istioManifestsDir();
  for (const char* sub : {"charts", "profiles"}) {
    fs::copy(src / sub, fs::path(dir_) / sub, fs::copy_options::recursive);
  }
  // The module cache is read-only; the copy must not be.
  for (auto& e : fs::recursive_directory_iterator(dir_))
    fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
}

ManifestsCopy::~ManifestsCopy() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void ManifestsCopy::write(const std::string& relative, const std::string& text) const {
  fs::path p = fs::path(dir_) / relative;
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::trunc) << text;
}

}  // namespace iop::test
