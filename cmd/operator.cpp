// `iop operator init` and `iop operator remove`: bootstrap or remove the operator of one
// revision. The objects come from reconcilers::renderOperatorInstall (the same ones the Helm
// chart in helm/iop renders); this file only parses flags, applies and reports.
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "base/yaml_json.h"
#include "cmd/cluster_flags.h"
#include "cmd/duration_flag.h"
#include "cmd/policy_flags.h"
#include "cmd/verbs.h"
#include "cmd/version_info.h"
#include "reconcilers/api/istio_operator.h"
#include "reconcilers/apply/ownership.h"
#include "reconcilers/apply/revision_in_use.h"
#include "reconcilers/operator/operator_install.h"
#include "reconcilers/operator/operator_runtime.h"
#include "reconcilers/render/istio_manifests.h"

namespace iop::cmd {
namespace {

using json = nlohmann::json;

constexpr const char* kFieldManager = "iop-operator-init";

struct InitFlags {
  ClusterFlags cluster;
  reconcilers::OperatorInstallOptions install;
  std::string watched = "istio-system";
  std::vector<std::string> files;
  std::string crNamespace = "istio-system";
  bool dryRun = false;
  PolicyFlags policy;
};

struct RemoveFlags {
  ClusterFlags cluster;
  std::string revision;
  std::string operatorNamespace;  // empty: wherever the revision's operator runs
  bool purge = false;
  bool yes = false;
  bool dryRun = false;
  bool force = false;
};

// Reads the IstioOperator CRs of -f files; every problem is printed with its file.
bool readCRs(const InitFlags& f, std::vector<json>& out) {
  bool ok = true;
  for (const auto& path : f.files) {
    std::ifstream in(path);
    if (!in) {
      std::cerr << "error: " << path << ": cannot read the file\n";
      ok = false;
      continue;
    }
    std::stringstream text;
    text << in.rdbuf();
    std::vector<json> docs;
    try {
      docs = iop::base::yamlDocumentsToJson(text.str());
    } catch (const std::exception& e) {
      std::cerr << "error: " << path << ": " << e.what() << "\n";
      ok = false;
      continue;
    }
    for (auto& cr : docs) {
      if (cr.is_null()) continue;
      // The same validation the operator runs: every problem, each with its field path.
      auto parsed = reconcilers::istioOperatorFromJson(
          cr, {.profiles = reconcilers::IstioManifests::compiledIn()->profileNames()});
      if (!parsed.ok()) {
        for (const auto& e : parsed.errors) std::cerr << "error: " << path << ": " << e.str() << "\n";
        ok = false;
        continue;
      }
      const auto& rev = f.install.revision;
      const std::string crRev = parsed.iop->revision();
      if (crRev.empty() && !rev.empty() && rev != "default") {
        cr["spec"]["revision"] = rev;  // the operator of --revision only reconciles its own CRs
      } else if (crRev != rev && !(crRev.empty() && rev == "default")) {
        std::cerr << "error: " << path << ": IstioOperator " << parsed.iop->name << " has spec.revision \""
                  << crRev << "\" but the operator is for revision \"" << rev
                  << "\": it would never reconcile it; fix the file or --revision\n";
        ok = false;
        continue;
      }
      if (!cr["metadata"].contains("namespace")) cr["metadata"]["namespace"] = f.crNamespace;
      out.push_back(std::move(cr));
    }
  }
  return ok;
}

bool waitForEstablished(kube::Client& client, const std::string& crdName) {
  for (int i = 0; i < 150; ++i) {
    auto crd = client.get(kube::GroupVersionKind{"apiextensions.k8s.io", "v1", "CustomResourceDefinition"},
                          "", crdName);
    if (crd)
      for (const auto& c : (*crd)["status"].value("conditions", json::array()))
        if (c.value("type", "") == "Established" && c.value("status", "") == "True") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

int runInit(InitFlags& f) {
  if (!f.install.pruneWait.empty() && !parseDuration(f.install.pruneWait)) {
    std::cerr << "error: --prune-wait " << f.install.pruneWait
              << ": expected a duration such as 90s, 2m or 1m30s (a bare number is seconds)\n";
    return kExitBadInput;
  }
  f.install.watchedNamespaces = reconcilers::splitNamespaces(f.watched);
  f.install.iopVersion = kVersion;
  auto install = reconcilers::renderOperatorInstall(f.install);
  for (const auto& e : install.errors) std::cerr << "error: " << e.str() << "\n";
  std::vector<json> crs;
  bool crsOk = readCRs(f, crs);
  if (!install.ok() || !crsOk) return kExitBadInput;

  if (f.dryRun) {
    for (const auto& o : install.objects) std::cout << "---\n" << iop::base::jsonToYaml(o);
    for (const auto& o : crs) std::cout << "---\n" << iop::base::jsonToYaml(o);
    return kExitOK;
  }
  auto client = connect(f.cluster);
  if (!client) return kExitFailed;
  std::cout << "Installing the iop operator for revision \""
            << (f.install.revision.empty() ? "default" : f.install.revision) << "\" into namespace "
            << f.install.operatorNamespace << " (" << client->config().source << ")\n";
  for (const auto& o : install.objects) {
    auto r = client->apply(o, {.fieldManager = kFieldManager, .force = true});
    if (!r) {
      std::cerr << "error: applying " << reconcilers::describeObject(o) << ": " << r.error().describe()
                << "\n";
      return kExitFailed;
    }
    std::cout << "  applied " << reconcilers::describeObject(o) << "\n";
    if (o["kind"] == "CustomResourceDefinition" && !waitForEstablished(*client, o["metadata"]["name"])) {
      std::cerr << "error: " << reconcilers::describeObject(o) << " did not become Established within 30s\n";
      return kExitFailed;
    }
  }
  for (const auto& cr : crs) {
    // The CR belongs to the user (and to GitOps tools): apply it as kubectl would, not as iop.
    auto r = client->apply(cr, {.fieldManager = "kubectl", .force = false});
    if (!r) {
      std::cerr << "error: applying " << reconcilers::describeObject(cr) << ": " << r.error().describe()
                << "\n";
      return kExitFailed;
    }
    std::cout << "  applied " << reconcilers::describeObject(cr) << "\n";
  }
  std::cout << "Done: Deployment " << f.install.operatorNamespace << "/"
            << reconcilers::operatorName(f.install.revision) << " runs the operator.\n";
  return kExitOK;
}

struct Kind {
  kube::GroupVersionKind gvk;
  bool namespaced;
};

// What `operator init` creates besides the CRD and namespaces, in the order to delete it:
// the Deployment first so the operator stops before its permissions go.
const std::vector<Kind>& removableKinds() {
  static const std::vector<Kind> kinds = {
      {{"apps", "v1", "Deployment"}, true},
      {{"", "v1", "Service"}, true},
      {{"rbac.authorization.k8s.io", "v1", "RoleBinding"}, true},
      {{"rbac.authorization.k8s.io", "v1", "Role"}, true},
      {{"rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"}, false},
      {{"rbac.authorization.k8s.io", "v1", "ClusterRole"}, false},
      {{"", "v1", "ServiceAccount"}, true},
  };
  return kinds;
}

const kube::GroupVersionKind kLease{"coordination.k8s.io", "v1", "Lease"};

// The operator's own rule for taking a revision away, applied before its operator goes: no
// namespace may still select one of `revisions`, no running pod may still have its sidecar. IstioOperators of
// them left behind are only warned about (they stay, as documented). Prints each refusal; true when there is
// none.
bool safeToRemove(kube::Client& client, const std::set<std::string>& revisions) {
  bool ok = true;
  auto crs = client.listAll(reconcilers::kIstioOperatorGVK, "");
  if (!crs && !kube::isNotFound(crs.error()) && !kube::isNoKindMatch(crs.error())) {
    std::cerr << "error: cannot list IstioOperators: " << crs.error().describe() << "\n";
    return false;
  }
  for (const auto& rev : revisions) {
    auto users = reconcilers::revisionUsers(client, rev);
    if (!users) {
      std::cerr << "error: cannot check which namespaces select revision " << rev << ": "
                << users.error().describe() << "\n";
      return false;
    }
    if (users->pods < 0)
      std::cerr << "warning: cannot list pods, so running pods with revision " << rev
                << "'s sidecar were not looked for\n";
    if (!users->empty()) {
      std::cerr << "error: " << users->describe() << "; or pass --force to remove the operator anyway\n";
      ok = false;
    }
    std::string left;
    if (crs)
      for (const auto& cr : (*crs)["items"])
        if (reconcilers::revisionMatches(cr, rev == "default" ? "" : rev))
          left += (left.empty() ? "" : ", ") + cr["metadata"].value("namespace", "") + "/" +
                  cr["metadata"].value("name", "");
    // Not a refusal: the CRs stay, as documented, and another operator of the revision may come.
    if (!left.empty())
      std::cerr << "warning: IstioOperators of revision " << rev << " stay without an operator: " << left
                << ". Nothing reconciles them until an operator of " << rev
                << " runs again, and deleting them waits on their finalizer until then.\n";
  }
  return ok;
}

int runRemove(const RemoveFlags& f) {
  if (!f.purge && f.revision.empty()) {
    std::cerr << "error: say which operator to remove: --revision R (\"default\" for the default revision), "
                 "or --purge for all of them\n";
    return kExitBadInput;
  }
  auto client = connect(f.cluster);
  if (!client) return kExitFailed;
  std::string selector = "app=istio-operator,app.kubernetes.io/managed-by=iop";
  if (!f.purge) selector += ",operator.istio.io/revision=" + f.revision;

  std::vector<std::pair<const Kind*, json>> found;
  for (const auto& kind : removableKinds()) {
    auto list =
        client->listAll(kind.gvk, kind.namespaced ? f.operatorNamespace : "", {.labelSelector = selector});
    if (!list) {
      std::cerr << "error: listing " << kind.gvk.kind << "s: " << list.error().describe() << "\n";
      return kExitFailed;
    }
    for (auto& item : (*list)["items"]) {
      item["kind"] = kind.gvk.kind;
      found.emplace_back(&kind, std::move(item));
    }
  }
  if (found.empty()) {
    std::cout << "No iop operator found for "
              << (f.purge ? "any revision" : "revision \"" + f.revision + "\"") << ": nothing to remove.\n";
    return kExitOK;
  }
  // The revisions whose operator goes, and the Leases their operators hold.
  std::set<std::string> revisions;
  std::vector<std::pair<std::string, std::string>> leases;  // namespace, name
  for (const auto& [kind, o] : found) {
    if (kind->gvk.kind != "Deployment") continue;
    const std::string rev =
        o["metadata"].value("labels", json::object()).value("operator.istio.io/revision", f.revision);
    revisions.insert(rev);
    leases.emplace_back(o["metadata"].value("namespace", ""), reconcilers::leaseName(rev));
  }
  if (!f.purge) revisions.insert(f.revision);
  if (!f.force && !safeToRemove(*client, revisions)) return kExitFailed;

  std::cout << "These objects will be removed (the CRD, namespaces and IstioOperator CRs stay):\n";
  for (const auto& [kind, o] : found) std::cout << "  " << reconcilers::describeObject(o) << "\n";
  for (const auto& [ns, name] : leases)
    std::cout << "  Lease " << ns << "/" << name << " (its leader election)\n";
  if (f.dryRun) return kExitOK;
  if (!confirm("Remove them?", f.yes)) return kExitFailed;
  int failures = 0;
  bool leasesGone = false;
  // Once the Deployments are gone, the Leases: an operator still running (as a local process, or
  // a pod being stopped) sees its Lease deleted and exits saying it was removed, before its
  // permissions go and it would only see refusals.
  auto removeLeases = [&] {
    if (std::exchange(leasesGone, true)) return;
    for (const auto& [ns, name] : leases) {
      auto r = client->remove(kLease, ns, name);
      if (!r && !kube::isNotFound(r.error())) {
        std::cerr << "error: deleting Lease " << ns << "/" << name << ": " << r.error().describe() << "\n";
        ++failures;
        continue;
      }
      std::cout << "  removed Lease " << ns << "/" << name << "\n";
    }
  };
  for (const auto& [kind, o] : found) {
    if (kind->gvk.kind != "Deployment") removeLeases();
    auto r = client->remove(kind->gvk, kind->namespaced ? o["metadata"].value("namespace", "") : "",
                            o["metadata"].value("name", ""), {.propagationPolicy = "Background"});
    if (!r && !kube::isNotFound(r.error())) {
      std::cerr << "error: deleting " << reconcilers::describeObject(o) << ": " << r.error().describe()
                << "\n";
      ++failures;
      continue;
    }
    std::cout << "  removed " << reconcilers::describeObject(o) << "\n";
  }
  removeLeases();
  return failures == 0 ? kExitOK : kExitFailed;
}

}  // namespace

void addOperator(CLI::App& root) {
  auto* op = root.add_subcommand("operator", "Install or remove the in-cluster iop operator of a revision");
  op->require_subcommand(1);

  auto init = std::make_shared<InitFlags>();
  auto* i =
      op->add_subcommand("init", "Install the operator for one revision (re-running updates it in place)");
  addClusterFlags(*i, init->cluster);
  i->add_option(
      "-r,--revision", init->install.revision,
      "Revision the operator reconciles (CRs with this spec.revision); empty: the default revision");
  i->add_option("--hub", init->install.hub, "Registry and path of the iop image (image is <hub>/iop:<tag>)")
      ->capture_default_str();
  i->add_option("--tag", init->install.tag, "Tag of the iop image (default: this iop's version)");
  i->add_option("--watchedNamespaces,--watched-namespaces", init->watched,
                "Comma-separated namespaces whose IstioOperator CRs the operator watches")
      ->capture_default_str();
  i->add_option("--operatorNamespace,--operator-namespace", init->install.operatorNamespace,
                "Namespace the operator runs in")
      ->capture_default_str();
  i->add_option("-f,--filename", init->files,
                "IstioOperator CR file(s) to apply once the operator is installed");
  i->add_option("-n,--namespace", init->crNamespace,
                "Namespace for -f CRs that do not set metadata.namespace")
      ->capture_default_str();
  i->add_option("--prune-wait", init->install.pruneWait,
                "The operator's `iop run --prune-wait` (a duration: 90s, 2m; default: iop run's, 2m)")
      ->type_name("DURATION");
  i->add_flag("--dry-run,--dryRun", init->dryRun, "Print the objects as YAML instead of applying them");
  i->add_flag(
      "--expose-metrics", init->install.exposeMetrics,
      "Serve /metrics on the pod's address with a Service for a scraper (plain HTTP, no authentication: "
      "anyone who reaches it reads it); by default it listens on the pod's loopback only");
  addPolicyFlags(*i, init->policy, true);
  i->footer(std::string(
                "Examples:\n"
                "  iop operator init --revision 1-8-0\n"
                "  iop operator init --revision 1-8-1 --hub registry.example/iop --tag 0.1.0\n"
                "  iop operator init --revision 1-8-0 -f control-plane-1-8-0.yaml\n"
                "  iop operator init --revision 1-8-0 --allowed-namespaces istio-system,kube-system,default  "
                "# openshift's istio-cni\n"
                "  iop operator init --dry-run > operator.yaml\n\n") +
            kExitCodesHelp);
  i->callback([init, i] {
    // The policy flags go to the Deployment's `iop run` as given (checked here, so a typo fails
    // now rather than in a crash-looping pod); those not given leave iop run's defaults.
    if (!policyFromFlags(init->policy, true)) return setExitCode(kExitBadInput);
    if (i->count("--pod-security")) init->install.podSecurity = init->policy.podSecurity;
    init->install.allowedNamespaces = init->policy.allowedNamespaces;
    init->install.allowRbacWebhookOverlays = init->policy.allowRbacWebhookOverlays;
    setExitCode(runInit(*init));
  });

  auto rm = std::make_shared<RemoveFlags>();
  auto* r = op->add_subcommand("remove", "Remove the operator of a revision (not the CRD, not the CRs)");
  addClusterFlags(*r, rm->cluster);
  r->add_option("-r,--revision", rm->revision,
                "Revision whose operator to remove (\"default\" for the default one)");
  r->add_option("-n,--operatorNamespace,--operator-namespace", rm->operatorNamespace,
                "Only remove the operator running in this namespace (default: wherever it runs)");
  r->add_flag("--purge", rm->purge, "Remove the operators of every revision");
  r->add_flag("-y,--skip-confirmation", rm->yes, "Do not ask for confirmation");
  r->add_flag("--dry-run,--dryRun", rm->dryRun, "Only list what would be removed");
  r->add_flag("--force", rm->force,
              "Remove it even while namespaces select the revision or pods run its sidecar");
  r->footer(std::string("Examples:\n"
                        "  iop operator remove --revision 1-8-0 -y\n"
                        "  iop operator remove --purge --dry-run\n\n"
                        "It refuses (exit 1, nothing removed) while namespaces select the revision\n"
                        "(istio.io/rev=R, or a tag pointing at R) or running pods still have its sidecar,\n"
                        "unless --force, and warns about IstioOperators of the revision\n"
                        "it leaves without an operator. An operator of the revision still running sees\n"
                        "its Lease deleted and exits 0.\n\n") +
            kExitCodesHelp);
  r->callback([rm] { setExitCode(runRemove(*rm)); });
}

}  // namespace iop::cmd
