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
#include "cmd/progress_line.h"
#include "cmd/verbs.h"
#include "cmd/version_info.h"
#include "reconcilers/apply/applier.h"
#include "reconcilers/apply/control_plane_lookup.h"
#include "reconcilers/apply/revision_in_use.h"
#include "reconcilers/apply/snapshot_live_state.h"
#include "reconcilers/apply/workload_diagnosis.h"
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
  std::string manifests;
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
  bool force = false;
};

// Workloads among `objects` that `pending` (Applier::notReady) names, each with its line there.
std::vector<std::pair<const json*, std::string>> pendingWorkloads(
    const std::vector<reconcilers::RenderedObject>& objects,
    const std::map<std::string, std::vector<std::string>>& pending) {
  std::vector<std::pair<const json*, std::string>> out;
  for (const auto& [component, lines] : pending)
    for (const auto& line : lines)
      for (const auto& o : objects)
        if (line.starts_with(reconcilers::describeObject(o.object) + ": ")) {
          out.emplace_back(&o.object, line);
          break;
        }
  return out;
}

// What the cluster says is wrong with each workload (reconcilers/apply/workload_diagnosis.h),
// by its describeObject(); workloads with nothing to say are left out.
std::map<std::string, std::vector<reconcilers::WorkloadProblem>> problemsOf(
    kube::Client& client, const std::vector<std::pair<const json*, std::string>>& workloads) {
  std::map<std::string, std::vector<reconcilers::WorkloadProblem>> out;
  for (const auto& [object, line] : workloads) {
    const json& meta = (*object)["metadata"];
    auto live = client.get(kube::GroupVersionKind::fromObject(*object), meta.value("namespace", ""),
                           meta.value("name", ""));
    if (!live) continue;  // missing: notReady() already says so
    auto problems = reconcilers::diagnoseWorkload(client, *live);
    if (!problems) {
      out[reconcilers::describeObject(*object)].push_back(
          {"Unknown", "cannot read its pods and events: " + problems.error().describe(), "iop"});
    } else if (!problems->empty()) {
      out[reconcilers::describeObject(*object)] = std::move(*problems);
    }
  }
  return out;
}

// Waits until the workloads among `objects` are ready, saying which are not while it waits (a
// line rewritten on a terminal, lines in a log) and, every 10 s, what their pods report; on
// timeout prints each one with the reasons the cluster gives and returns false.
bool waitUntilReady(kube::Client& client, reconcilers::Applier& readiness,
                    const std::vector<reconcilers::RenderedObject>& objects,
                    std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  auto progress = ProgressLine::forStdout();
  std::map<std::string, std::vector<reconcilers::WorkloadProblem>> problems;
  auto lastLook = started;
  while (true) {
    auto workloads = pendingWorkloads(objects, readiness.notReady(objects));
    if (workloads.empty()) break;
    const auto now = Clock::now();
    const bool timedOut = now - started > timeout;
    if (timedOut || now - lastLook >= std::chrono::seconds(10)) {
      problems = problemsOf(client, workloads);
      lastLook = now;
    }
    if (timedOut) {
      progress.clear();
      std::cerr << "error: " << workloads.size() << " workload" << (workloads.size() == 1 ? " was" : "s were")
                << " not ready after " << std::chrono::duration_cast<std::chrono::seconds>(timeout).count()
                << "s (--readiness-timeout):\n";
      for (const auto& [object, line] : workloads) {
        std::cerr << "  " << line << "\n";
        auto it = problems.find(reconcilers::describeObject(*object));
        if (it == problems.end()) {
          std::cerr << "    the cluster reports no problem with its pods (still starting?)\n";
          continue;
        }
        for (const auto& p : it->second) std::cerr << "    " << reconcilers::describeProblem(p) << "\n";
      }
      return false;
    }
    std::string text = "Waiting for " + std::to_string(workloads.size()) + " workload" +
                       (workloads.size() == 1 ? "" : "s") + ": ";
    for (std::size_t i = 0; i < workloads.size(); ++i) {
      text += (i ? "; " : "") + workloads[i].second;
      auto it = problems.find(reconcilers::describeObject(*workloads[i].first));
      if (it != problems.end()) text += " (" + it->second.front().reason + ")";
    }
    // A wait of a second or two is not worth a line.
    if (now - started >= std::chrono::seconds(2))
      progress.update(
          text, " [" +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - started).count()) +
                    "s]");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  progress.clear();
  return true;
}

int runInstall(const InstallFlags& f) {
  auto readinessTimeout = parseDuration(f.readinessTimeout);
  if (!readinessTimeout) {
    std::cerr << "error: --readiness-timeout " << f.readinessTimeout
              << ": expected a duration such as 300s, 5m or 1m30s (a bare number is seconds)\n";
    return kExitBadInput;
  }
  auto manifests = manifestsFromFlag(f.manifests);
  if (!manifests) return kExitBadInput;
  auto policy = policyFromFlags(f.policy, false);
  if (!policy) return kExitBadInput;
  auto input = renderFromFlags(f.files, f.sets, f.revision, f.ns, manifests, *policy);
  if (!input) return kExitBadInput;
  const auto& iop = input->iop;
  const auto& rendered = input->rendered;
  if (f.dryRun) {
    for (const auto& o : rendered.objects) std::cout << "---\n" << iop::base::jsonToYaml(o.object);
    return kExitOK;
  }
  const reconcilers::Owner owner{iop.name, iop.namespace_};
  const std::string revision = iop.revision().empty() ? "default" : iop.revision();
  auto client = connect(f.cluster);
  if (!client) return kExitFailed;
  // Said before the question, so the user can still answer no: gateways of a revision without
  // its istiod get no configuration (a forgotten --revision installs them at "default").
  bool withoutControlPlane = false;
  if (reconcilers::installsGatewaysOnly(rendered.objects)) {
    auto found = reconcilers::findControlPlane(*client, iop.revision());
    withoutControlPlane = found && !*found;
    if (withoutControlPlane)
      std::cerr << "warning: " << reconcilers::noControlPlaneMessage(iop.revision())
                << ". Install the control plane of revision " << revision
                << " first (iop install -f control-plane.yaml --revision " << revision
                << "), or give the gateways the revision of one (--revision).\n";
  }
  if (!confirm("Install IstioOperator " + owner.describe() + " (revision \"" + revision + "\")?", f.yes))
    return kExitFailed;
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

  if (!waitUntilReady(*client, readiness, rendered.objects, *readinessTimeout)) return kExitFailed;
  if (withoutControlPlane) {
    // Its pods run, but they are not serving: do not call that healthy.
    std::cout << "✔ Installation complete: IstioOperator " << owner.describe()
              << " is installed and its workloads are ready, but no control plane of revision " << revision
              << " configures them yet\n";
    return kExitOK;
  }
  std::cout << "✔ Installation complete: IstioOperator " << owner.describe() << " is healthy\n";
  return kExitOK;
}

// After an uninstall: waits until the pods of the removed `workloads` (live copies as they were)
// are gone, saying which still have pods while it waits; after `timeout` says which still do
// and returns (the objects are deleted; their pods are only slow to stop).
void waitForPodsGone(kube::Client& client, const std::vector<json>& workloads,
                     std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  auto progress = ProgressLine::forStdout();
  while (true) {
    std::vector<std::string> left;
    for (const auto& w : workloads) {
      std::string selector;
      const json labels = w["spec"]["selector"].value("matchLabels", json::object());
      for (const auto& [k, v] : labels.items())
        if (v.is_string()) selector += (selector.empty() ? "" : ",") + k + "=" + v.get<std::string>();
      if (selector.empty()) continue;
      auto pods = client.listAll(kube::GroupVersionKind{"", "v1", "Pod"},
                                 w["metadata"].value("namespace", ""), {.labelSelector = selector});
      if (!pods) continue;
      if (auto n = (*pods)["items"].size(); n > 0)
        left.push_back(reconcilers::describeObject(w) + ": " + std::to_string(n) + " pod" +
                       (n == 1 ? "" : "s"));
    }
    if (left.empty()) break;
    std::string text = "Waiting for the pods of " + std::to_string(left.size()) + " removed workload" +
                       (left.size() == 1 ? "" : "s") + " to stop: ";
    for (std::size_t i = 0; i < left.size(); ++i) text += (i ? "; " : "") + left[i];
    const auto waited = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started);
    if (Clock::now() - started > timeout) {
      progress.clear();
      std::cerr << "warning: still stopping after " << waited.count()
                << "s (they are deleted, their pods are slow to go): ";
      for (std::size_t i = 0; i < left.size(); ++i) std::cerr << (i ? "; " : "") << left[i];
      std::cerr << "\n";
      return;
    }
    if (waited.count() >= 2) progress.update(text, " [" + std::to_string(waited.count()) + "s]");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  progress.clear();
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
    auto iop = composeFromFlags(f.files, {}, "", f.ns, *reconcilers::IstioManifests::compiledIn());
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
  // The operator's rule for deleting a control-plane CR, the same check: a control plane does
  // not go while namespaces still select its revision or pods still run its sidecar.
  if (!f.force) {
    bool refused = false;
    for (const auto& rev : reconcilers::controlPlaneRevisions(found.objects)) {
      auto users = reconcilers::revisionUsers(*client, rev);
      if (!users) {
        std::cerr << "error: cannot check which namespaces select revision " << rev << ": "
                  << users.error().describe() << " (--force uninstalls without checking)\n";
        return kExitFailed;
      }
      if (users->pods < 0)
        std::cerr << "warning: cannot list pods, so running pods with revision " << rev
                  << "'s sidecar were not looked for\n";
      if (users->empty()) continue;
      std::cerr << "error: " << users->describe() << "; or pass --force to uninstall anyway\n";
      refused = true;
    }
    if (refused) return kExitFailed;
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
  if (!removed.ok()) {
    std::cout << "Uninstall incomplete.\n";
    return kExitFailed;
  }
  std::vector<json> workloads;
  for (const auto& o : found.objects)
    if ((o.value("kind", "") == "Deployment" || o.value("kind", "") == "DaemonSet") &&
        reconcilers::planRelease(o, leaving).kind == reconcilers::Release::Kind::Delete)
      workloads.push_back(o);
  waitForPodsGone(*client, workloads, std::chrono::minutes(2));
  std::cout << "✔ Uninstall complete.\n";
  return kExitOK;
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
  i->add_option(
      "-d,--manifests", f->manifests,
      "Istio manifests directory (charts/ and profiles/, as in Istio's release) to render instead of\n"
      "the compiled-in Istio; the CR's spec.installPackagePath does the same");
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
  un->add_flag("--force", u->force,
               "Remove a control plane even while namespaces select its revision or pods run its sidecar");
  un->footer(
      std::string("Examples:\n  iop uninstall --revision 1-8-0 -y\n  iop uninstall --purge --dry-run\n\n"
                  "It refuses (exit 1, nothing removed) to remove a control plane (istiod) while\n"
                  "namespaces select its revision (istio.io/rev=R, or a tag pointing at R) or running\n"
                  "pods still have its sidecar, as the operator refuses to delete its IstioOperator,\n"
                  "unless --force.\n\n") +
      kExitCodesHelp);
  un->callback([u] { setExitCode(runUninstall(*u)); });
}

}  // namespace iop::cmd
