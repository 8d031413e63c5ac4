// Differential tests of iop's template engine against Helm v4.2.0's own (test/template/helmref):
//
//   template_difftest record CASES EXPECTED     record Helm's output for the case table
//   template_difftest cases CASES EXPECTED      the record still equals live Helm; iop equals it
//   template_difftest charts MANIFESTS SETS     every chart istioctl renders, with every value set,
//                                               file by file, byte for byte
//   template_difftest fuzz SECONDS SEED         random templates (test/template/template_gen.h):
//                                               equal output, or both an error
//   template_difftest fuzz-cases N SEED         the same for exactly N templates (machine-independent)
//
// Each prints what it compared and every difference, and exits 1 when there is one. The
// reference binary comes from $IOP_HELMREF or test/template/build-helmref.sh.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "test/template/render_jobs.h"
#include "test/template/template_gen.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace iop::tmpl::test;

namespace {

json yamlToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = yamlToJson(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& e : n) a.push_back(yamlToJson(e));
      return a;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;
      if (s == "true") return true;
      if (s == "false") return false;
      if (s == "null" || s == "~") return nullptr;
      try {
        std::size_t pos = 0;
        double d = std::stod(s, &pos);
        if (pos == s.size()) return d;
      } catch (...) {
      }
      return s;
    }
    default:
      return nullptr;
  }
}

std::string firstDifference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    bool ea = !std::getline(sa, la), eb = !std::getline(sb, lb);
    if (ea && eb) return "(only trailing bytes differ)";
    if (ea || eb || la != lb) {
      return "line " + std::to_string(line) + ":\n      helm: " + (ea ? "<end>" : la) +
             "\n      iop:  " + (eb ? "<end>" : lb);
    }
  }
}

// Compares one result pair; prints the differences under `label`. Returns true when equal.
bool compare(const std::string& label, const json& ref, const json& ours, bool errorsMayDiffer) {
  bool refErr = ref.contains("error"), ourErr = ours.contains("error");
  if (refErr || ourErr) {
    if (refErr && ourErr && (errorsMayDiffer || ref["error"] == ours["error"])) return true;
    std::cout << "DIFF " << label
              << "\n  helm: " << (refErr ? "error: " + ref["error"].get<std::string>() : "ok")
              << "\n  iop:  " << (ourErr ? "error: " + ours["error"].get<std::string>() : "ok") << "\n";
    return false;
  }
  bool same = true;
  for (const auto& [file, text] : ref["files"].items()) {
    if (!ours["files"].contains(file)) {
      std::cout << "DIFF " << label << ": " << file << " missing in iop's output\n";
      same = false;
    } else if (ours["files"][file] != text) {
      std::cout << "DIFF " << label << ": " << file << " "
                << firstDifference(text.get<std::string>(), ours["files"][file].get<std::string>()) << "\n";
      same = false;
    }
  }
  for (const auto& [file, text] : ours["files"].items()) {
    if (!ref["files"].contains(file)) {
      std::cout << "DIFF " << label << ": " << file << " only in iop's output\n";
      same = false;
    }
  }
  return same;
}

std::string workFile(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("iop-template-difftest-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

int record(const std::string& casesPath, const std::string& expectedPath) {
  auto cases = loadCases(casesPath);
  json jobs = json::array();
  for (const auto& c : cases) jobs.push_back(c.job);
  json results = runReference(helmrefPath(), jobs, workFile("cases.json"));
  json expected = json::object();
  for (std::size_t i = 0; i < cases.size(); ++i) expected[cases[i].name] = results[i];
  std::ofstream(expectedPath) << expected.dump(1) << "\n";
  std::cout << "recorded " << cases.size() << " cases in " << expectedPath << "\n";
  return 0;
}

int checkCases(const std::string& casesPath, const std::string& expectedPath) {
  auto cases = loadCases(casesPath);
  json expected = json::parse(std::ifstream(expectedPath));
  json jobs = json::array();
  for (const auto& c : cases) jobs.push_back(c.job);
  json results = runReference(helmrefPath(), jobs, workFile("cases.json"));
  int stale = 0, differ = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& name = cases[i].name;
    if (!expected.contains(name) || expected[name] != results[i]) {
      std::cout << "STALE record of \"" << name << "\": regenerate test/template/cases.expected.json\n";
      ++stale;
    }
    if (!compare("case \"" + name + "\"", results[i], renderJob(cases[i].job), false)) ++differ;
  }
  std::cout << cases.size() << " cases: " << (cases.size() - static_cast<std::size_t>(stale))
            << " recorded as Helm renders them, " << (cases.size() - static_cast<std::size_t>(differ))
            << " equal in iop\n";
  return stale + differ == 0 ? 0 : 1;
}

int charts(const std::vector<std::string>& manifests, const std::string& setsPath,
           const std::string& kubeVersion) {
  static const std::vector<std::string> kCharts = {"base",
                                                   "istio-control/istio-discovery",
                                                   "gateways/istio-ingress",
                                                   "gateways/istio-egress",
                                                   "istio-cni",
                                                   "ztunnel",
                                                   "default"};
  std::vector<std::pair<std::string, json>> sets;
  for (const auto& s : YAML::LoadFile(setsPath))
    sets.emplace_back(s["name"].as<std::string>(), yamlToJson(s["values"]));
  json jobs = json::array();
  std::vector<std::string> labels;
  for (const auto& m : manifests) {
    std::vector<std::pair<std::string, json>> all = sets;
    // Each profile's spec.values, as the IstioOperator profiles give them.
    for (const auto& e : fs::directory_iterator(fs::path(m) / "profiles")) {
      YAML::Node p = YAML::LoadFile(e.path().string());
      json values = p["spec"] && p["spec"]["values"] ? yamlToJson(p["spec"]["values"]) : json::object();
      all.emplace_back("profile " + e.path().stem().string() + " spec.values", values);
    }
    for (const auto& chart : kCharts) {
      fs::path dir = fs::path(m) / "charts" / chart;
      std::vector<std::pair<std::string, json>> chartSets = all;
      // Every profile, compatibility version and platform the chart's files/ offer.
      for (const auto& e : fs::directory_iterator(dir / "files")) {
        std::string f = e.path().filename().string();
        auto strip = [&](const std::string& prefix) {
          return f.substr(prefix.size(), f.size() - prefix.size() - 5);
        };
        if (f.starts_with("profile-compatibility-version-")) {
          chartSets.emplace_back(f, json{{"compatibilityVersion", strip("profile-compatibility-version-")}});
        } else if (f.starts_with("profile-platform-")) {
          chartSets.emplace_back(f, json{{"global", {{"platform", strip("profile-platform-")}}}});
        } else if (f.starts_with("profile-")) {
          chartSets.emplace_back(f, json{{"profile", strip("profile-")}, {"revision", "canary"}});
        }
      }
      for (const auto& [name, values] : chartSets) {
        jobs.push_back({{"chart", dir.string()}, {"values", values}, {"kubeVersion", kubeVersion}});
        labels.push_back(fs::path(m).parent_path().filename().string() + " " + chart + " [" + name + "]");
      }
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  json results = runReference(helmrefPath(), jobs, workFile("charts.json"));
  auto t1 = std::chrono::steady_clock::now();
  int equal = 0, errors = 0;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (compare(labels[i], results[i], renderJob(jobs[i]), false)) {
      ++equal;
      if (results[i].contains("error")) ++errors;
    }
  }
  auto t2 = std::chrono::steady_clock::now();
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::cout << jobs.size() << " chart renders (" << manifests.size()
            << " Istio versions x 7 charts x value sets): " << equal << " byte-equal (" << errors
            << " of them the same error in both); Helm " << ms(t1 - t0) << " ms, iop " << ms(t2 - t1)
            << " ms\n";
  return equal == static_cast<int>(jobs.size()) ? 0 : 1;
}

// Compares random templates until `seconds` pass, or, when `cases` > 0, exactly that many (the
// same ones on every machine, whatever its speed: what `make test` runs).
int fuzz(int seconds, std::size_t cases, std::uint64_t seed) {
  TemplateGenerator gen(seed);
  std::string helmref = helmrefPath();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::size_t compared = 0, bothOk = 0, bothError = 0, helmCrashed = 0;
  int failures = 0;
  auto more = [&] {
    if (cases > 0) return compared + helmCrashed < cases;
    return std::chrono::steady_clock::now() < deadline;
  };
  while (more() && failures < 20) {
    json jobs = json::array();
    for (int i = 0; i < 300 && (cases == 0 || compared + helmCrashed + static_cast<std::size_t>(i) < cases);
         ++i) {
      auto c = gen.next();
      jobs.push_back({{"files", c.files}, {"values", c.values}});
    }
    json results;
    try {
      results = runReference(helmref, jobs, workFile("fuzz.json"));
    } catch (const std::exception&) {
      // Go itself died on some case (e.g. fmt printing a map that `set` made contain itself
      // overflows its stack): find which, one job at a time; that case has no reference output.
      results = json::array();
      for (const auto& job : jobs) {
        try {
          results.push_back(runReference(helmref, json::array({job}), workFile("fuzz-one.json")).at(0));
        } catch (const std::exception&) {
          results.push_back(nullptr);
        }
      }
    }
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      json ours = renderJob(jobs[i]);  // iop's engine must survive every case, Helm's crashes included
      if (results[i].is_null()) {
        ++helmCrashed;
        std::cout << "helm crashed (case skipped; iop "
                  << (ours.contains("error") ? "refused it" : "rendered it") << "): " << jobs[i].dump()
                  << "\n";
        continue;
      }
      ++compared;
      if (compare("fuzz case", results[i], ours, true)) {
        results[i].contains("error") ? ++bothError : ++bothOk;
      } else {
        std::cout << "  case: " << jobs[i].dump() << "\n";
        ++failures;
      }
    }
  }
  std::cout << "fuzz (seed " << seed << "): " << compared
            << " random templates compared with Helm: " << bothOk << " equal output, " << bothError
            << " both errors, " << failures << " differences; " << helmCrashed
            << " cases on which Helm itself crashed, skipped\n";
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 3 && args[0] == "record") return record(args[1], args[2]);
    if (args.size() == 3 && args[0] == "cases") return checkCases(args[1], args[2]);
    if (args.size() >= 4 && args[0] == "charts") {
      std::string kube = "1.32.0";
      std::vector<std::string> manifests(args.begin() + 2, args.end());
      return charts(manifests, args[1], kube);
    }
    if (args.size() == 3 && args[0] == "fuzz") return fuzz(std::stoi(args[1]), 0, std::stoull(args[2]));
    if (args.size() == 3 && args[0] == "fuzz-cases")
      return fuzz(0, std::stoull(args[1]), std::stoull(args[2]));
  } catch (const std::exception& e) {
    std::cerr << "template_difftest: " << e.what() << "\n";
    return 2;
  }
  std::cerr << "usage: template_difftest record|cases CASES EXPECTED | charts SETS MANIFESTS... | fuzz "
               "SECONDS SEED | fuzz-cases N SEED\n";
  return 2;
}
