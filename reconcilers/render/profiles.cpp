#include "reconcilers/render/profiles.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/yaml_json.h"
#include "reconcilers/api/embedded_files.h"
#include "reconcilers/api/json_tree.h"

namespace iop::reconcilers {

using nlohmann::json;
namespace fs = std::filesystem;

const std::map<std::string, std::string>& builtinProfiles() {
  static const std::map<std::string, std::string> profiles = [] {
    const std::string prefix = "reconcilers/render/profiles/", suffix = ".yaml";
    std::map<std::string, std::string> out;
    for (const auto& [path, text] : embeddedFiles())
      if (path.starts_with(prefix) && path.ends_with(suffix))
        out[path.substr(prefix.size(), path.size() - prefix.size() - suffix.size())] = std::string(text);
    return out;
  }();
  return profiles;
}

ProfileSource::ProfileSource() = default;
ProfileSource::ProfileSource(std::string directory) : directory_(std::move(directory)) {}

std::set<std::string> ProfileSource::names() const {
  std::set<std::string> out;
  if (directory_.empty()) {
    for (const auto& [name, _] : builtinProfiles()) out.insert(name);
    return out;
  }
  for (const fs::path& dir : {fs::path(directory_) / "profiles", fs::path(directory_)}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".yaml") out.insert(entry.path().stem().string());
    }
  }
  return out;
}

std::optional<json> ProfileSource::load(const std::string& name, std::string& error) const {
  std::string text;
  if (directory_.empty()) {
    auto it = builtinProfiles().find(name);
    if (it == builtinProfiles().end()) {
      error = "profile \"" + name + "\" not found";
      return std::nullopt;
    }
    text = it->second;
  } else {
    bool found = false;
    for (const fs::path& p :
         {fs::path(directory_) / "profiles" / (name + ".yaml"), fs::path(directory_) / (name + ".yaml")}) {
      std::ifstream in(p);
      if (!in) continue;
      std::stringstream ss;
      ss << in.rdbuf();
      text = ss.str();
      found = true;
      break;
    }
    if (!found) {
      error = "profile \"" + name + "\" not found in " + directory_;
      return std::nullopt;
    }
  }
  try {
    auto docs = iop::base::yamlDocumentsToJson(text);
    if (docs.empty() || !docs.front().is_object()) {
      error = "profile \"" + name + "\" is not an IstioOperator document";
      return std::nullopt;
    }
    return docs.front();
  } catch (const std::exception& e) {
    error = "profile \"" + name + "\": " + e.what();
    return std::nullopt;
  }
}

std::optional<json> ProfileSource::resolve(const std::string& name, std::string& error) const {
  auto base = load("default", error);
  if (!base) return std::nullopt;
  if (name.empty() || name == "default") return base;
  auto top = load(name, error);
  if (!top) return std::nullopt;
  deepMerge(*base, *top);
  return base;
}

}  // namespace iop::reconcilers
