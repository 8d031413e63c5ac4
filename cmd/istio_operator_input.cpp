#include "cmd/istio_operator_input.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cmd/version_info.h"
#include "reconcilers/api/budgets.h"

namespace iop::cmd {

namespace {

// At most the budget plus one byte, so a larger input is refused without reading it all.
std::string readBounded(std::istream& in) {
  std::string text(reconcilers::kMaxCRBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

}  // namespace

std::optional<std::vector<reconcilers::InputFile>> readInputFiles(const std::vector<std::string>& files) {
  std::vector<reconcilers::InputFile> out;
  for (const auto& f : files) {
    std::ifstream file;
    if (f != "-") {
      file.open(f, std::ios::binary);
      if (!file) {
        std::cerr << "error: " << f << ": cannot read the file\n";
        return std::nullopt;
      }
    }
    std::string text = readBounded(f == "-" ? std::cin : file);
    if (text.size() > reconcilers::kMaxCRBytes) {
      std::cerr << "error: " << f << ": larger than " << reconcilers::kMaxCRBytes
                << " bytes, the most an IstioOperator may be\n";
      return std::nullopt;
    }
    out.push_back({f, std::move(text)});
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
  if (iop.namespace_.empty()) {
    if (auto problem = reconcilers::nameProblem(ns, reconcilers::NameSyntax::Dns1123Label);
        problem && !ns.empty()) {
      std::cerr << "error: --namespace: " << *problem << "\n";
      return std::nullopt;
    }
    iop.namespace_ = ns;
  }
  return iop;
}

std::optional<RenderedInput> renderFromFlags(const std::vector<std::string>& files,
                                             const std::vector<std::string>& sets,
                                             const std::string& revision, const std::string& ns,
                                             std::shared_ptr<const reconcilers::IstioManifests> manifests,
                                             const reconcilers::ObjectPolicy& policy) {
  auto iop = composeFromFlags(files, sets, revision, ns, *manifests);
  if (!iop) return std::nullopt;
  auto rendered = reconcilers::render(
      *iop, {.iopVersion = kVersion, .manifests = std::move(manifests), .policy = policy});
  for (const auto& w : rendered.warnings) std::cerr << "warning: " << w << "\n";
  if (!rendered.ok()) {
    for (const auto& e : rendered.errors) std::cerr << "error: " << e.str() << "\n";
    return std::nullopt;
  }
  return RenderedInput{std::move(*iop), std::move(rendered)};
}

}  // namespace iop::cmd
