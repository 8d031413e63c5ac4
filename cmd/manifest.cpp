// `iop manifest generate`: renders an IstioOperator to the Kubernetes objects iop would apply,
// with the same renderer the operator and `iop install` use, and prints them as YAML.
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "base/yaml_json.h"
#include "cmd/cluster_flags.h"
#include "cmd/istio_operator_input.h"
#include "cmd/policy_flags.h"
#include "cmd/verbs.h"
#include "cmd/version_info.h"
#include "reconcilers/render/render.h"

namespace iop::cmd {
namespace {

struct ManifestFlags {
  ClusterFlags cluster;  // accepted like istioctl's; generate never contacts a cluster
  std::string ns;
  std::vector<std::string> files;
  std::vector<std::string> sets;
  std::string revision;
  std::vector<std::string> components;
  std::string manifests;
  PolicyFlags policy;
};

// Accepts the component names istioctl prints (Pilot, IngressGateways) and the spec keys
// (pilot, ingressGateways), case-insensitively.
std::optional<std::string> componentName(const std::string& in) {
  static const std::vector<std::pair<std::string, std::string>> names = {
      {"base", reconcilers::kBase},
      {"pilot", reconcilers::kPilot},
      {"ingressgateways", reconcilers::kIngressGateways},
      {"egressgateways", reconcilers::kEgressGateways},
      {"cni", reconcilers::kCni},
      {"ztunnel", reconcilers::kZtunnel}};
  std::string l;
  for (char c : in) l.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (const auto& [key, name] : names) {
    if (l == key) return name;
  }
  return std::nullopt;
}

int generate(const ManifestFlags& flags) {
  auto inputs = readInputFiles(flags.files);
  if (!inputs) return kExitBadInput;
  auto manifests = manifestsFromFlag(flags.manifests);
  if (!manifests) return kExitBadInput;
  std::vector<std::string> sets = flags.sets;
  if (!flags.revision.empty()) sets.push_back("revision=" + flags.revision);

  auto policy = policyFromFlags(flags.policy, false);
  if (!policy) return kExitBadInput;
  reconcilers::RenderOptions options;
  options.iopVersion = kVersion;
  options.manifests = manifests;
  options.policy = *policy;
  for (const auto& c : flags.components) {
    auto name = componentName(c);
    if (!name) {
      std::cerr
          << "error: --component " << c
          << ": unknown component (known: Base, Pilot, IngressGateways, EgressGateways, Cni, Ztunnel)\n";
      return kExitBadInput;
    }
    options.components.insert(*name);
  }

  auto parsed = reconcilers::composeIstioOperator(*inputs, sets, *manifests);
  if (!parsed.ok()) {
    for (const auto& e : parsed.errors) std::cerr << "error: " << e.str() << "\n";
    return kExitBadInput;
  }
  auto iop = *parsed.iop;
  if (iop.namespace_.empty()) {
    if (auto problem = reconcilers::nameProblem(flags.ns, reconcilers::NameSyntax::Dns1123Label);
        problem && !flags.ns.empty()) {
      std::cerr << "error: --namespace: " << *problem << "\n";
      return kExitBadInput;
    }
    iop.namespace_ = flags.ns;
  }
  auto result = reconcilers::render(iop, options);
  for (const auto& w : result.warnings) std::cerr << "warning: " << w << "\n";
  if (!result.ok()) {
    for (const auto& e : result.errors) std::cerr << "error: " << e.str() << "\n";
    return kExitBadInput;
  }
  bool first = true;
  for (const auto& o : result.objects) {
    if (!first) std::cout << "---\n";
    first = false;
    std::cout << iop::base::jsonToYaml(o.object);
  }
  return 0;
}

}  // namespace

void addManifest(CLI::App& root) {
  auto* manifest = root.add_subcommand("manifest", "Work with the manifests an IstioOperator renders to");
  manifest->require_subcommand(1);
  auto* gen = manifest->add_subcommand(
      "generate",
      "Print the Kubernetes objects an IstioOperator renders to, as YAML documents in apply order");
  gen->footer(
      "Examples:\n"
      "  iop manifest generate -f control-plane.yaml --revision 1-8-0\n"
      "  iop manifest generate -f gateways.yaml --set values.global.hub=docker.io/istio --component "
      "IngressGateways\n"
      "\nErrors name the field at fault (e.g. spec.components.ingressGateway: unknown field; did you mean\n"
      "ingressGateways?) and exit with status 2.\n"
      "\ngenerate never contacts a cluster: --kubeconfig and --context are accepted, as istioctl's are, and\n"
      "not used.\n" +
      std::string(kExitCodesHelp));
  auto flags = std::make_shared<ManifestFlags>();
  gen->add_option("-f,--filename", flags->files,
                  "IstioOperator YAML/JSON file; repeat to overlay several (later wins); - reads stdin");
  gen->add_option("-s,--set", flags->sets,
                  "Override a spec field, e.g. --set values.global.hub=docker.io/istio");
  gen->add_option("-r,--revision", flags->revision, "Control plane revision (same as --set revision=R)");
  gen->add_option("-n,--namespace", flags->ns,
                  "Namespace of the IstioOperator when its file has none (its objects' owner label)");
  addClusterFlags(*gen, flags->cluster);
  gen->add_option("--component", flags->components, "Only print this component (repeatable)");
  gen->add_option(
      "-d,--manifests", flags->manifests,
      "Istio manifests directory (charts/ and profiles/, as in Istio's release) to render instead of\n"
      "the compiled-in Istio; the CR's spec.installPackagePath does the same");
  addPolicyFlags(*gen, flags->policy, false);
  gen->callback([flags] { setExitCode(generate(*flags)); });
  addManifestDiff(*manifest);
}

}  // namespace iop::cmd
