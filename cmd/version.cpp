// `iop version`: this binary's version and, with --remote (or any cluster flag), the version of
// every iop operator running in the cluster, like istioctl version's control plane part.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cmd/cluster_flags.h"
#include "cmd/verbs.h"
#include "cmd/version_info.h"
#include "reconcilers/api/labels.h"

namespace iop::cmd {
namespace {

using json = nlohmann::json;

struct VersionFlags {
  ClusterFlags cluster;
  std::string output = "text";
  std::string ns;  // empty: every namespace
  bool remote = false;
};

// The operators `operator init` installed (its labels), with the image each Deployment runs.
std::optional<json> remoteOperators(const VersionFlags& f) {
  auto client = connect(f.cluster);
  if (!client) return std::nullopt;
  auto list = client->listAll(kube::GroupVersionKind{"apps", "v1", "Deployment"}, f.ns,
                              {.labelSelector = "app=istio-operator,app.kubernetes.io/managed-by=iop"});
  if (!list) {
    std::cerr << "error: listing iop operator Deployments: " << list.error().describe() << "\n";
    return std::nullopt;
  }
  json out = json::array();
  for (const auto& d : (*list)["items"]) {
    const json labels = d["metadata"].value("labels", json::object());
    const json containers = d["spec"]["template"]["spec"].value("containers", json::array());
    out.push_back(
        {{"revision", labels.value("operator.istio.io/revision", "")},
         {"deployment", d["metadata"].value("namespace", "") + "/" + d["metadata"].value("name", "")},
         {"version", labels.value(reconcilers::kVersionLabel, "")},
         {"image", containers.empty() ? "" : containers[0].value("image", "")},
         {"readyReplicas", d.value("status", json::object()).value("readyReplicas", 0)}});
  }
  return out;
}

int runVersion(const VersionFlags& f) {
  json local = {{"version", kVersion}, {"gitCommit", kGitCommit}, {"buildDate", kBuildDate}};
  const bool remote =
      f.remote || !f.cluster.kubeconfig.empty() || !f.cluster.context.empty() || !f.ns.empty();
  std::optional<json> operators;
  if (remote && !(operators = remoteOperators(f))) return kExitFailed;
  if (f.output == "json") {
    if (operators) local["operators"] = *operators;
    std::cout << local.dump(2) << "\n";
    return kExitOK;
  }
  std::cout << "iop version " << kVersion << "\ncommit " << kGitCommit << "\nbuilt " << kBuildDate << "\n";
  if (!operators) return kExitOK;
  if (operators->empty()) std::cout << "no iop operator found in the cluster\n";
  for (const auto& o : *operators)
    std::cout << "operator revision " << (o["revision"] == "" ? "default" : o["revision"].get<std::string>())
              << ": version " << o["version"].get<std::string>() << ", Deployment "
              << o["deployment"].get<std::string>() << ", image " << o["image"].get<std::string>() << ", "
              << o["readyReplicas"] << " ready\n";
  return kExitOK;
}

}  // namespace

void addVersion(CLI::App& root) {
  auto f = std::make_shared<VersionFlags>();
  auto* cmd =
      root.add_subcommand("version", "Print iop's version and, with --remote, the operators' versions");
  addClusterFlags(*cmd, f->cluster);
  cmd->add_option("-o,--output", f->output, "Output format")->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag(
      "--remote", f->remote,
      "Also list the iop operators running in the cluster (implied by --kubeconfig, --context, -n)");
  cmd->add_option("-n,--namespace", f->ns, "Only list operators in this namespace (default: all)");
  cmd->footer(
      std::string(
          "Examples:\n  iop version\n  iop version -o json\n  iop version --remote -n istio-operator\n\n") +
      kExitCodesHelp);
  cmd->callback([f] { setExitCode(runVersion(*f)); });
}

}  // namespace iop::cmd
