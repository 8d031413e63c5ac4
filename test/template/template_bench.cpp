// template_bench MANIFESTS [RUNS]: load time, render time (median of RUNS) and memory of Istio's
// charts in iop's engine, as a table. Memory is the growth of RSS while every chart is loaded
// (what the operator pays to keep them).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "template/chart.h"
#include "test/template/render_jobs.h"

namespace {

long rssKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

double ms(std::chrono::steady_clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: template_bench MANIFESTS [RUNS]\n";
    return 2;
  }
  std::string manifests = argv[1];
  int runs = argc > 2 ? std::stoi(argv[2]) : 20;
  const std::vector<std::string> charts = {"base", "istio-control/istio-discovery", "gateways/istio-ingress",
                                           "gateways/istio-egress", "istio-cni", "ztunnel", "default"};
  std::vector<std::map<std::string, std::string>> trees;
  for (const auto& c : charts) trees.push_back(iop::tmpl::test::readTree(manifests + "/charts/" + c));
  long before = rssKiB();
  std::vector<iop::tmpl::Chart> loaded;
  std::printf("%-32s %10s %12s %12s\n", "chart", "load ms", "render ms", "output KiB");
  std::vector<double> loadMs;
  for (std::size_t i = 0; i < charts.size(); ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto chart = iop::tmpl::Chart::load(trees[i]);
    auto t1 = std::chrono::steady_clock::now();
    if (!chart) {
      std::cerr << charts[i] << ": " << chart.error().message << "\n";
      return 1;
    }
    loadMs.push_back(ms(t1 - t0));
    loaded.push_back(*chart);
  }
  long after = rssKiB();
  trees.clear();
  for (std::size_t i = 0; i < charts.size(); ++i) {
    std::vector<double> times;
    std::size_t bytes = 0;
    for (int r = 0; r < runs; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      auto out = iop::tmpl::render(loaded[i], nlohmann::json{{"profile", "default"}, {"revision", "1-8-0"}},
                                   iop::tmpl::ReleaseOptions{"istio", "istio-system"});
      auto t1 = std::chrono::steady_clock::now();
      if (!out) {
        std::cerr << charts[i] << ": " << out.error().message << "\n";
        return 1;
      }
      bytes = 0;
      for (const auto& [k, v] : *out) bytes += v.size();
      times.push_back(ms(t1 - t0));
    }
    std::sort(times.begin(), times.end());
    std::printf("%-32s %10.2f %12.2f %12.1f\n", charts[i].c_str(), loadMs[i], times[times.size() / 2], bytes / 1024.0);
  }
  std::printf("RSS of the %zu loaded charts: %.1f MiB (RSS %ld KiB before loading, %ld KiB after)\n", charts.size(),
              (after - before) / 1024.0, before, after);
  return 0;
}
