// `iop manifest diff`: what `iop install` (or the operator) would change on the live cluster for
// an IstioOperator, as a readable diff, with diff(1)'s exit codes, for GitOps previews. The
// computing is reconcilers::diffAgainstCluster (a server-side dry run of the applier's writes);
// this file parses flags and prints.
#include "reconcilers/apply/manifest_diff.h"

#include <iostream>
#include <sstream>

#include "base/yaml_json.h"
#include "cmd/cluster_flags.h"
#include "cmd/istio_operator_input.h"
#include "cmd/verbs.h"
#include "cmd/version_info.h"

namespace iop::cmd {
namespace {

using json = nlohmann::json;
using Change = reconcilers::ObjectDiff::Change;

// diff(1) and kubectl diff: 0 same, 1 different, more than 1 trouble.
constexpr int kExitDifferent = 1;
constexpr int kExitClusterTrouble = 3;

struct DiffFlags {
  ClusterFlags cluster;
  std::vector<std::string> files;
  std::vector<std::string> sets;
  std::string revision;
  std::string ns = "istio-system";
  std::string manifests;
};

// A value under a "-" or "+" marker: scalars inline, maps and lists as indented YAML.
void printValue(std::ostream& out, char marker, const json& v) {
  if (!v.is_structured() || v.empty()) {
    out << marker << "   " << v.dump() << "\n";
    return;
  }
  std::istringstream lines(iop::base::jsonToYaml(v));
  for (std::string line; std::getline(lines, line);) out << marker << "   " << line << "\n";
}

void printDiff(std::ostream& out, const reconcilers::ManifestDiff& diff) {
  int created = 0, changed = 0, pruned = 0;
  for (const auto& o : diff.objects) {
    out << o.object;
    if (!o.component.empty()) out << "  [" << o.component << "]";
    out << "\n";
    switch (o.change) {
      case Change::Created:
        ++created;
        out << "+ new object\n";
        break;
      case Change::Pruned:
        ++pruned;
        out << "- would be pruned\n";
        break;
      case Change::Conflict:
        out << "! " << o.message << "\n";
        break;
      case Change::Failed:
        out << "? cannot tell: " << o.message << "\n";
        break;
      case Change::Changed:
        ++changed;
        for (const auto& f : o.fields) {
          out << "  " << f.path << "\n";
          if (f.before) printValue(out, '-', *f.before);
          if (f.after) printValue(out, '+', *f.after);
        }
        break;
    }
    out << "\n";
  }
  if (created + changed + pruned == 0) {
    out << "No changes: the cluster already matches.\n";
    return;
  }
  out << created + changed + pruned << " object(s) would change: " << created << " new, " << changed
      << " changed, " << pruned << " pruned.\n";
}

int runDiff(const DiffFlags& f) {
  if (f.files.empty()) {
    std::cerr << "error: -f FILE is required: the IstioOperator to compare with the cluster\n";
    return kExitBadInput;
  }
  auto manifests = manifestsFromFlag(f.manifests);
  if (!manifests) return kExitBadInput;
  auto input = renderFromFlags(f.files, f.sets, f.revision, f.ns, manifests);
  if (!input) return kExitBadInput;
  const auto& iop = input->iop;
  const auto& rendered = input->rendered;
  auto client = connect(f.cluster);
  if (!client) return kExitClusterTrouble;
  const reconcilers::Owner owner{iop.name, iop.namespace_};
  auto diff =
      reconcilers::diffAgainstCluster(*client, rendered.objects, owner, reconcilers::ownerExistsVia(*client));
  printDiff(std::cout, diff);
  if (diff.failed()) return kExitClusterTrouble;
  return diff.changes() ? kExitDifferent : kExitOK;
}

}  // namespace

void addManifestDiff(CLI::App& manifest) {
  auto f = std::make_shared<DiffFlags>();
  auto* d = manifest.add_subcommand(
      "diff",
      "Show what installing an IstioOperator would change on the live cluster (server-side dry run; "
      "writes nothing)");
  addClusterFlags(*d, f->cluster);
  d->add_option("-f,--filename", f->files,
                "IstioOperator file(s); later ones overlay earlier ones; - reads stdin");
  d->add_option("-s,--set", f->sets, "Override a spec field, e.g. --set values.global.hub=docker.io/istio");
  d->add_option("-r,--revision", f->revision, "Control plane revision (same as --set revision=R)");
  d->add_option("-n,--namespace", f->ns, "Namespace of the IstioOperator when its file has none")
      ->capture_default_str();
  d->add_option(
      "-d,--manifests", f->manifests,
      "Istio manifests directory (charts/ and profiles/, as in Istio's release) to render instead of\n"
      "the compiled-in Istio; the CR's spec.installPackagePath does the same");
  d->footer(
      "Examples:\n"
      "  iop manifest diff -f gateways.yaml --revision 1-8-1 -n istio-system\n"
      "  iop manifest diff -f control-plane.yaml --set components.pilot.k8s.replicaCount=2\n"
      "\nEach object that would change is printed with its kind, namespace/name and component, then\n"
      "\"+ new object\", \"- would be pruned\" (owned by this IstioOperator, no longer rendered), or the\n"
      "fields that would change with their old (-) and new (+) values. Fields the server fills in\n"
      "(managedFields, resourceVersion, status, defaults) are not shown.\n"
      "\nExit codes (like diff and kubectl diff): 0 no differences, 1 differences, 2 bad flags or input\n"
      "(the file or field is named), 3 the cluster could not be read or refused the dry run.");
  d->callback([f] { setExitCode(runDiff(*f)); });
}

}  // namespace iop::cmd
