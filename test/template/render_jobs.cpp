#include "test/template/render_jobs.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "template/chart.h"

namespace iop::tmpl::test {

namespace fs = std::filesystem;

std::map<std::string, std::string> readTree(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    files[fs::relative(e.path(), dir).generic_string()] = ss.str();
  }
  return files;
}

nlohmann::json goNumbers(const nlohmann::json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return v.get<double>();
  if (v.is_object()) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& [k, e] : v.items()) o[k] = goNumbers(e);
    return o;
  }
  if (v.is_array()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& e : v) a.push_back(goNumbers(e));
    return a;
  }
  return v;
}

nlohmann::json renderJob(const nlohmann::json& job) {
  std::map<std::string, std::string> files;
  if (job.contains("chart")) {
    files = readTree(job["chart"].get<std::string>());
  } else {
    for (const auto& [k, v] : job["files"].items()) files[k] = v.get<std::string>();
    if (!files.count("Chart.yaml")) files["Chart.yaml"] = "apiVersion: v2\nname: t\nversion: 0.1.0\nappVersion: 1.0.0\n";
  }
  nlohmann::json result = nlohmann::json::object();
  auto chart = Chart::load(std::move(files));
  if (!chart) {
    result["error"] = chart.error().message;
    return result;
  }
  ReleaseOptions release;
  release.name = job.value("name", "istio");
  release.namespace_ = job.value("namespace", "istio-system");
  release.revision = 0;
  release.isInstall = false;
  Capabilities caps;
  std::string kv = job.value("kubeVersion", "");
  if (!kv.empty()) {
    caps.kubeVersion = kv[0] == 'v' ? kv : "v" + kv;
    auto dot1 = kv.find('.');
    auto dot2 = kv.find('.', dot1 + 1);
    std::string plain = kv[0] == 'v' ? kv.substr(1) : kv;
    dot1 = plain.find('.');
    dot2 = plain.find('.', dot1 + 1);
    caps.kubeMajor = plain.substr(0, dot1);
    caps.kubeMinor = plain.substr(dot1 + 1, dot2 - dot1 - 1);
  }
  nlohmann::json values = goNumbers(job.value("values", nlohmann::json::object()));
  Limits limits;
  auto out = render(*chart, values, release, caps, limits);
  if (!out) {
    result["error"] = out.error().message;
    return result;
  }
  result["files"] = nlohmann::json(*out);
  return result;
}

std::string helmrefPath() {
  if (const char* env = std::getenv("IOP_HELMREF"); env && *env) return env;
  std::string cmd = std::string("bash ") + IOP_SOURCE_DIR + "/test/template/build-helmref.sh";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run build-helmref.sh");
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  if (pclose(p) != 0) throw std::runtime_error("build-helmref.sh failed");
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

nlohmann::json runReference(const std::string& helmref, const nlohmann::json& jobs, const std::string& workFile) {
  {
    std::ofstream f(workFile);
    f << jobs.dump();
  }
  std::string cmd = helmref + " render " + workFile;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + helmref);
  std::string out;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) throw std::runtime_error(helmref + " failed");
  return nlohmann::json::parse(out);
}

std::vector<Case> loadCases(const std::string& path) {
  std::vector<Case> out;
  YAML::Node root = YAML::LoadFile(path);
  for (const auto& c : root) {
    Case tc;
    tc.name = c["name"].as<std::string>();
    nlohmann::json files = nlohmann::json::object();
    files["templates/t.yaml"] = c["template"].as<std::string>();
    if (c["files"]) {
      for (const auto& f : c["files"]) files[f.first.as<std::string>()] = f.second.as<std::string>();
    }
    tc.job["files"] = files;
    tc.job["values"] = c["values"] ? nlohmann::json::parse(c["values"].as<std::string>()) : nlohmann::json::object();
    if (c["kubeVersion"]) tc.job["kubeVersion"] = c["kubeVersion"].as<std::string>();
    out.push_back(std::move(tc));
  }
  return out;
}

}  // namespace iop::tmpl::test
