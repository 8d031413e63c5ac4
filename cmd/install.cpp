// `iop install` and `iop uninstall`: the operator's reconcile, once, in-process (the same
// renderer and applier), for clusters without an operator, like istioctl install.
#include <chrono>
#include <iostream>
#include <set>
#include <thread>

#include "base/yaml_json.h"
#include "cmd/cluster_flags.h"
#include "cmd/duration_flag.h"
#include "cmd/istio_operator_input.h"
#include "cmd/policy_flags.h"
#include "cmd/verbs.h"
#include "cmd/version_info.h"
#include "reconcilers/apply/applier.h"
#include "reconcilers/apply/snapshot_live_state.h"
#include "reconcilers/render/render.h"

namespace iop::cmd {
namespace {

using json = nlohmann::json;

struct InstallFlags {
  ClusterFlags cluster;
  std::vector<std::string> files;
  std::vector<std::string> sets;
  std::string revision;
  std::string ns = "istio-system";
  bool dryRun = false;
  bool yes = false;
  std::string readinessTimeout = "300s";
  bool force = false;
  PolicyFlags policy;
};

struct UninstallFlags {
  ClusterFlags cluster;
  std::vector<std::string> files;
  std::string revision;
  std::string ns = "istio-system";
  bool purge = false;
  bool yes = false;
  bool dryRun = false;
};

int runInstall(const InstallFlags& f) {
  auto readinessTimeout = parseDuration(f.readinessTimeout);
  if (!readinessTimeout) {
    std::cerr << "error: --readiness-timeout " << f.readinessTimeout
              << ": expected a duration such as 300s, 5m or 1m30s (a bare number is seconds)\n";
    return kExitBadInput;
  }
  reconcilers::ProfileSource profiles;
  auto policy = policyFromFlags(f.policy, false);
  if (!policy) return kExitBadInput;
  auto input = renderFromFlags(f.files, f.sets, f.revision, f.ns, profiles, *policy);
  if (!input) return kExitBadInput;
  const auto& iop = input->iop;
  const auto& rendered = input->rendered;
  if (f.dryRun) {
    for (const auto& o : rendered.objects) std::cout << "---\n" << iop::base::jsonToYaml(o.object);
    return kExitOK;
  }
  const reconcilers::Owner owner{iop.name, iop.namespace_};
  if (!confirm("Install IstioOperator " + owner.describe() + " (revision \"" +
                   (iop.revision().empty() ? "default" : iop.revision()) + "\")?",
               f.yes))
    return kExitFailed;
  auto client = connect(f.cluster);
  if (!client) return kExitFailed;
  // One LIST per kind answers both the apply's reads and the prune's; readiness reads fresh.
  reconcilers::SnapshotLiveState snapshot(*client);
  snapshot.prefetch(reconcilers::ownedKinds(), reconcilers::Applier::kDefaultWriters);
  reconcilers::Applier applier(*client, snapshot, reconcilers::ownerExistsVia(*client));
  reconcilers::ClientLiveState direct(*client);
  reconcilers::Applier readiness(*client, direct, reconcilers::ownerExistsVia(*client));

  // Per revision: the same file installed at 1-8-0 and 1-8-1 is two installations, which share
  // Base's revision-less objects.
  auto report = applier.apply(rendered.objects, owner, true, f.force);
  bool failed = false;
  struct Counts {
    int applied = 0, unchanged = 0, shared = 0;
  };
  std::map<std::string, Counts> perComponent;
  for (const auto& o : report.outcomes) {
    using A = reconcilers::ObjectOutcome::Action;
    if (o.action == A::Applied) ++perComponent[o.component].applied;
    if (o.action == A::Unchanged) ++perComponent[o.component].unchanged;
    if (o.action == A::Shared) ++perComponent[o.component].shared;
    if (o.action == A::Conflict || o.action == A::Failed) {
      std::cerr << "error: " << o.component << ": " << o.object << ": " << o.message << "\n";
      failed = true;
    }
  }
  for (const auto& [c, n] : perComponent)
    std::cout << "✔ " << c << ": " << n.applied << " applied, " << n.unchanged << " unchanged"
              << (n.shared ? ", " + std::to_string(n.shared) + " shared with another revision" : "") << "\n";
  if (failed) return kExitFailed;
  // Scoped to the revision: installing this file at 1-8-1 must not prune its 1-8-0 installation.
  auto pruned = applier.prune(rendered.objects, owner, iop.revision().empty() ? "default" : iop.revision());
  for (const auto& d : pruned.deleted) std::cout << "  pruned " << d << "\n";
  for (const auto& h : pruned.handedOver) std::cout << "  handed over " << h << "\n";
  for (const auto& e : pruned.errors) std::cerr << "error: pruning " << e << "\n";
  if (!pruned.ok()) return kExitFailed;

  auto deadline = std::chrono::steady_clock::now() + *readinessTimeout;
  while (true) {
    auto pending = readiness.notReady(rendered.objects);
    if (pending.empty()) break;
    if (std::chrono::steady_clock::now() > deadline) {
      for (const auto& [c, reasons] : pending)
        for (const auto& r : reasons) std::cerr << "error: " << c << " not ready: " << r << "\n";
      return kExitFailed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  std::cout << "✔ Installation complete: IstioOperator " << owner.describe() << " is healthy\n";
  return kExitOK;
}

int runUninstall(const UninstallFlags& f) {
  int modes = (f.purge ? 1 : 0) + (f.revision.empty() ? 0 : 1) + (f.files.empty() ? 0 : 1);
  if (modes != 1) {
    std::cerr << "error: say what to uninstall: exactly one of --revision R, -f FILE or --purge\n";
    return kExitBadInput;
  }
  std::string selector = std::string(reconcilers::kManagedLabel) + "=" + reconcilers::kManagedValue;
  if (!f.revision.empty()) selector += std::string(",") + reconcilers::kRevisionLabel + "=" + f.revision;
  reconcilers::Owner ownerOfFile;
  if (!f.files.empty()) {
    reconcilers::ProfileSource profiles;
    auto iop = composeFromFlags(f.files, {}, "", f.ns, profiles);
    if (!iop) return kExitBadInput;
    ownerOfFile = {iop->name, iop->namespace_};
    selector = ownerOfFile.labelSelector();
  }
  auto client = connect(f.cluster);
  if (!client) return kExitFailed;
  reconcilers::ClientLiveState live(*client);
  reconcilers::Applier applier(*client, live, reconcilers::ownerExistsVia(*client));
  // Who goes: that revision, that file's IstioOperator, or everyone. A shared object another
  // installation still wants is handed to it instead of deleted.
  reconcilers::Leaving leaving = reconcilers::leavingRevision(f.revision);
  if (!f.files.empty()) leaving = reconcilers::leavingOwner(ownerOfFile);
  auto found = applier.released(selector, leaving);
  for (const auto& e : found.errors) std::cerr << "error: " << e << "\n";
  if (!found.errors.empty()) return kExitFailed;
  if (found.objects.empty()) {
    std::cout << "Nothing to uninstall (no object matches " << selector << ").\n";
    return kExitOK;
  }
  std::cout << "These objects will be removed (CRDs and namespaces stay) or, where another installation "
               "shares them, handed to it:\n";
  for (const auto& o : found.objects) {
    auto plan = reconcilers::planRelease(o, leaving);
    using K = reconcilers::Release::Kind;
    std::cout << "  " << reconcilers::describeObject(o)
              << (plan.kind == K::HandOver ? " (handed to " + plan.to.describe() + ")"
                  : plan.kind == K::Withdraw
                      ? " (stays with " + reconcilers::installationOf(o).describe() + ")"
                      : "")
              << "\n";
  }
  if (f.dryRun) return kExitOK;
  if (!confirm("Remove them?", f.yes)) return kExitFailed;
  auto removed = applier.remove(found.objects, leaving);
  for (const auto& e : removed.errors) std::cerr << "error: " << e << "\n";
  std::cout << (removed.ok() ? "✔ Uninstall complete.\n" : "Uninstall incomplete.\n");
  return removed.ok() ? kExitOK : kExitFailed;
}

}  // namespace

void addInstall(CLI::App& root) {
  auto f = std::make_shared<InstallFlags>();
  auto* i =
      root.add_subcommand("install", "Install an IstioOperator once, without an operator (like istioctl)");
  addClusterFlags(*i, f->cluster);
  i->add_option("-f,--filename", f->files, "IstioOperator file(s); later ones overlay earlier ones");
  i->add_option("-s,--set", f->sets, "Override a spec field, e.g. --set values.global.hub=docker.io/istio");
  i->add_option("-r,--revision", f->revision, "Control plane revision (same as --set revision=R)");
  i->add_option("-n,--namespace", f->ns, "Namespace of the IstioOperator when its file has none")
      ->capture_default_str();
  i->add_flag("--dry-run,--dryRun", f->dryRun, "Print the objects instead of applying them");
  i->add_flag("-y,--skip-confirmation", f->yes, "Do not ask for confirmation");
  i->add_flag(
      "--force", f->force,
      "Take over live objects no IstioOperator installed (no operator.istio.io/managed label): without "
      "it they are left alone and reported; what iop takes over, uninstall deletes");
  addPolicyFlags(*i, f->policy, false);
  i->add_option("--readiness-timeout", f->readinessTimeout,
                "How long to wait for workloads to be ready (300s, 5m; a bare number is seconds)")
      ->capture_default_str();
  i->footer(
      std::string("Examples:\n"
                  "  iop install -f control-plane.yaml --revision 1-8-0 -y\n"
                  "  iop install -n istio-system -f gateways.yaml --revision 1-8-1 --readiness-timeout 5m\n"
                  "  iop install -f gateways.yaml --set values.global.hub=docker.io/istio --dry-run\n\n") +
      kExitCodesHelp);
  i->callback([f] { setExitCode(runInstall(*f)); });

  auto u = std::make_shared<UninstallFlags>();
  auto* un =
      root.add_subcommand("uninstall", "Remove what iop installed: one revision, one IstioOperator, or all");
  addClusterFlags(*un, u->cluster);
  un->add_option("-r,--revision", u->revision, "Remove every object of this revision");
  un->add_option("-f,--filename", u->files, "Remove what the IstioOperator of these files owns");
  un->add_option("-n,--namespace", u->ns, "Namespace of the IstioOperator when its file has none")
      ->capture_default_str();
  un->add_flag("--purge", u->purge, "Remove everything iop manages, every revision");
  un->add_flag("-y,--skip-confirmation", u->yes, "Do not ask for confirmation");
  un->add_flag("--dry-run,--dryRun", u->dryRun, "Only list what would be removed");
  un->footer(
      std::string("Examples:\n  iop uninstall --revision 1-8-0 -y\n  iop uninstall --purge --dry-run\n\n") +
      kExitCodesHelp);
  un->callback([u] { setExitCode(runUninstall(*u)); });
}

}  // namespace iop::cmd
