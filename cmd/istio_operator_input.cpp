#include "cmd/istio_operator_input.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cmd/version_info.h"

namespace iop::cmd {

std::optional<std::vector<reconcilers::InputFile>> readInputFiles(const std::vector<std::string>& files) {
  std::vector<reconcilers::InputFile> out;
  for (const auto& f : files) {
    if (f == "-") {
      out.push_back(
          {f, std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>())});
      continue;
    }
    std::ifstream in(f);
    if (!in) {
      std::cerr << "error: " << f << ": cannot read the file\n";
      return std::nullopt;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back({f, ss.str()});
  }
  return out;
}

std::shared_ptr<const reconcilers::IstioManifests> manifestsFromFlag(const std::string& dir) {
  if (dir.empty()) return reconcilers::IstioManifests::compiledIn();
  auto m = reconcilers::IstioManifests::fromDirectory(dir);
  if (!m) {
    std::cerr << "error: --manifests " << dir << ": " << m.error().message << "\n";
    return nullptr;
  }
  return *m;
}

std::optional<reconcilers::IstioOperator> composeFromFlags(const std::vector<std::string>& files,
                                                           const std::vector<std::string>& sets,
                                                           const std::string& revision, const std::string& ns,
                                                           const reconcilers::IstioManifests& manifests) {
  auto inputs = readInputFiles(files);
  if (!inputs) return std::nullopt;
  std::vector<std::string> all = sets;
  if (!revision.empty()) all.push_back("revision=" + revision);
  auto parsed = reconcilers::composeIstioOperator(*inputs, all, manifests);
  if (!parsed.ok()) {
    for (const auto& e : parsed.errors) std::cerr << "error: " << e.str() << "\n";
    return std::nullopt;
  }
  auto iop = *parsed.iop;
  if (iop.name.empty()) iop.name = "installed-state";
  if (iop.namespace_.empty()) iop.namespace_ = ns;
  return iop;
}

std::optional<RenderedInput> renderFromFlags(const std::vector<std::string>& files,
                                             const std::vector<std::string>& sets,
                                             const std::string& revision, const std::string& ns,
                                             std::shared_ptr<const reconcilers::IstioManifests> manifests) {
  auto iop = composeFromFlags(files, sets, revision, ns, *manifests);
  if (!iop) return std::nullopt;
  auto rendered = reconcilers::render(*iop, {.iopVersion = kVersion, .manifests = std::move(manifests)});
  for (const auto& w : rendered.warnings) std::cerr << "warning: " << w << "\n";
  if (!rendered.ok()) {
    for (const auto& e : rendered.errors) std::cerr << "error: " << e.str() << "\n";
    return std::nullopt;
  }
  return RenderedInput{std::move(*iop), std::move(rendered)};
}

}  // namespace iop::cmd
