#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reconcilers/api/istio_operator.h"
#include "reconcilers/render/render.h"

// Reading the IstioOperator that -f files, --set flags, --revision and -n describe: shared by
// the verbs that take them (manifest generate/diff, install, uninstall) so they all agree on
// which CR, and which owner, a file means. Problems are printed to stderr, naming the file or
// the field; callers map a nullopt to kExitBadInput.
namespace iop::cmd {

// The files' contents in order; "-" reads standard input. Nullopt (after printing which file)
// when one cannot be read or is larger than an IstioOperator may be (reconcilers/api/budgets.h).
std::optional<std::vector<reconcilers::InputFile>> readInputFiles(const std::vector<std::string>& files);

// Istio's charts and profiles for a verb's `--manifests DIR` flag: the directory's, or the
// compiled-in ones when `dir` is empty. Nullptr (after printing why, naming the missing file)
// when the directory is not an Istio manifests directory; callers exit with kExitBadInput.
std::shared_ptr<const reconcilers::IstioManifests> manifestsFromFlag(const std::string& dir);

// The IstioOperator the files and flags describe, validated against `manifests`' profiles, named
// "installed-state" when the files give no name and placed in `ns` when they give no namespace
// (so it has an owner for the ownership labels, as with istioctl install).
std::optional<reconcilers::IstioOperator> composeFromFlags(const std::vector<std::string>& files,
                                                           const std::vector<std::string>& sets,
                                                           const std::string& revision, const std::string& ns,
                                                           const reconcilers::IstioManifests& manifests);

// The IstioOperator of composeFromFlags() and what render() makes of it with this iop's version.
struct RenderedInput {
  reconcilers::IstioOperator iop;
  reconcilers::RenderResult rendered;
};

// composeFromFlags() then render(), printing render's warnings and, when it fails, its errors
// (nullopt: the caller exits with kExitBadInput).
std::optional<RenderedInput> renderFromFlags(
    const std::vector<std::string>& files, const std::vector<std::string>& sets, const std::string& revision,
    const std::string& ns, std::shared_ptr<const reconcilers::IstioManifests> manifests,
    const reconcilers::ObjectPolicy& policy = reconcilers::ObjectPolicy::forCli());

}  // namespace iop::cmd
