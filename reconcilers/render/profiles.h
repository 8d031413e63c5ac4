#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

// Installation profiles (default, minimal, empty, demo, remote, preview, stable, ambient): the
// YAML files in reconcilers/render/profiles/, compiled into the binary, or read from a directory that
// overrides them (`--manifests DIR`, looked up as DIR/profiles/<name>.yaml or DIR/<name>.yaml).
namespace iop::reconcilers {

class ProfileSource {
 public:
  // The compiled-in profiles.
  ProfileSource();
  // Profiles from a directory; names missing there fall back to nothing (not to built-ins), so
  // the directory is the whole truth like istioctl's --manifests.
  explicit ProfileSource(std::string directory);

  std::set<std::string> names() const;

  // The profile as an IstioOperator document (JSON), already overlaid on `default` as istioctl
  // does. nullopt with `error` set when the profile does not exist or does not parse.
  std::optional<nlohmann::json> resolve(const std::string& name, std::string& error) const;

 private:
  std::optional<nlohmann::json> load(const std::string& name, std::string& error) const;
  std::string directory_;  // empty: built-ins
};

// The built-in profile texts by name, compiled in from reconcilers/render/profiles/*.yaml.
const std::map<std::string, std::string>& builtinProfiles();

}  // namespace iop::reconcilers
