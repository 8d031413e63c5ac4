// `iop status`: every IstioOperator and iop installation in the cluster, whether an operator
// handles it, whether it is up; exits non-zero when something is not (a CI or GitOps gate, as
// `kubectl wait` is). The overview itself is reconcilers::computeOverview().
#include <iostream>
#include <thread>

#include "base/yaml_json.h"
#include "cmd/cluster_flags.h"
#include "cmd/duration_flag.h"
#include "cmd/verbs.h"
#include "reconcilers/operator/status_overview.h"

namespace iop::cmd {
namespace {

using json = nlohmann::json;

constexpr int kExitUnhealthy = 1;
constexpr int kExitUnreadable = 3;

struct StatusFlags {
  ClusterFlags cluster;
  std::string output = "text";
  std::string wait;  // "" = look once
};

std::string pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

std::string workloadLine(const reconcilers::WorkloadState& w) {
  return w.kind + " " + w.ns + "/" + w.name + "  " + std::to_string(w.ready) + "/" +
         std::to_string(w.desired) + " ready" + (w.notReady.empty() ? "" : " (" + w.notReady + ")");
}

std::string operatorText(const reconcilers::OperatorState& op) {
  if (op.running)
    return "running (Lease " + op.lease + " held by " + op.holder + ", renewed " +
           std::to_string(op.renewedSecondsAgo) + "s ago)";
  if (!op.deployment.empty())
    return "NOT RUNNING (Deployment " + op.deployment + " installed, " +
           (op.lease.empty() ? "no Lease"
                             : "Lease " + op.lease + (op.holder.empty() ? " released" : " expired")) +
           ")";
  return "none";
}

void printText(const reconcilers::Overview& o) {
  std::cout << "IstioOperators:\n";
  if (o.istioOperators.empty()) std::cout << "  (none)\n";
  for (const auto& s : o.istioOperators) {
    std::cout << "  " << (s.problems.empty() ? "✔ " : "✗ ") << pad(s.ns + "/" + s.name, 34) << "revision "
              << pad(s.revision, 10) << pad(s.status.empty() ? "(no status)" : s.status, 16)
              << (s.handled ? "operator running" : "NO RUNNING OPERATOR") << "\n";
    for (const auto& w : s.workloads) std::cout << "      " << workloadLine(w) << "\n";
    for (const auto& c : s.conditions)
      if (c.status != "True" || c.type == "ControlPlaneFound")
        std::cout << "      " << c.type << "=" << c.status << " " << c.reason
                  << (c.message.empty() ? "" : ": " + c.message) << "\n";
  }
  if (!o.installations.empty()) {
    std::cout << "Installed by `iop install` (no IstioOperator in the cluster):\n";
    for (const auto& i : o.installations) {
      std::cout << "  " << (i.problems.empty() ? "✔ " : "✗ ") << pad(i.owner, 34) << "revision " << i.revision
                << "\n";
      for (const auto& w : i.workloads) std::cout << "      " << workloadLine(w) << "\n";
    }
  }
  std::cout << "Revisions:\n";
  if (o.revisions.empty()) std::cout << "  (none)\n";
  for (const auto& r : o.revisions) {
    std::string planes, namespaces;
    for (const auto& c : r.controlPlanes) planes += (planes.empty() ? "" : ", ") + c;
    for (const auto& n : r.namespaces) namespaces += (namespaces.empty() ? "" : ", ") + n;
    std::cout << "  " << pad(r.revision, 10) << "operator: " << operatorText(r.operatorState) << "\n"
              << "  " << pad("", 10) << "control plane: " << (planes.empty() ? "none" : planes) << "\n"
              << "  " << pad("", 10)
              << "selected by namespaces: " << (namespaces.empty() ? "none" : namespaces) << "\n";
    for (const auto& [tag, selecting] : r.tags) {
      std::string names;
      for (const auto& n : selecting) names += (names.empty() ? "" : ", ") + n;
      std::cout << "  " << pad("", 10) << "tag " << tag
                << ", selected by namespaces: " << (names.empty() ? "none" : names) << "\n";
    }
  }
  if (o.healthy()) {
    std::cout << "✔ Everything is healthy.\n";
    return;
  }
  std::cout << "✗ " << o.problems.size() << " problem" << (o.problems.size() == 1 ? "" : "s") << ":\n";
  for (const auto& p : o.problems) std::cout << "  - " << p << "\n";
}

int runStatus(const StatusFlags& f) {
  if (f.output != "text" && f.output != "json" && f.output != "yaml") {
    std::cerr << "error: -o " << f.output << ": expected text, json or yaml\n";
    return kExitBadInput;
  }
  std::optional<std::chrono::milliseconds> wait;
  if (!f.wait.empty() && !(wait = parseDuration(f.wait))) {
    std::cerr << "error: --wait " << f.wait << ": expected a duration such as 90s, 2m or 1m30s\n";
    return kExitBadInput;
  }
  auto client = connect(f.cluster);
  if (!client) return kExitUnreadable;
  const auto deadline = std::chrono::steady_clock::now() + wait.value_or(std::chrono::milliseconds(0));
  while (true) {
    auto listing = reconcilers::listForOverview(*client);
    if (!listing) {
      std::cerr << "error: reading the cluster: " << listing.error().describe() << "\n";
      return kExitUnreadable;
    }
    auto overview = reconcilers::computeOverview(*listing, std::chrono::system_clock::now());
    if (overview.healthy() || std::chrono::steady_clock::now() >= deadline) {
      if (f.output == "json") {
        std::cout << reconcilers::overviewJson(overview).dump(2) << "\n";
      } else if (f.output == "yaml") {
        std::cout << iop::base::jsonToYaml(reconcilers::overviewJson(overview));
      } else {
        printText(overview);
      }
      return overview.healthy() ? kExitOK : kExitUnhealthy;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace

void addStatus(CLI::App& root) {
  auto f = std::make_shared<StatusFlags>();
  auto* s = root.add_subcommand(
      "status",
      "Show every IstioOperator and installation, whether an operator handles it, and whether it is up");
  addClusterFlags(*s, f->cluster);
  s->add_option("-o,--output", f->output, "text, json or yaml")->capture_default_str();
  s->add_option("--wait", f->wait,
                "Look again every second until everything is healthy or this long has passed (90s, 2m)")
      ->type_name("DURATION");
  s->footer(
      "Examples:\n"
      "  iop status\n"
      "  iop status -o json\n"
      "  iop status --wait 3m      # a gate for CI or GitOps, like kubectl wait\n\n"
      "Healthy means: every IstioOperator is HEALTHY with its latest spec reconciled by a running\n"
      "operator of its revision (its Lease is held and renewed), gateways have a control plane of\n"
      "their revision, every workload iop installed has its replicas ready, and every revision a\n"
      "namespace selects has a control plane.\n\n"
      "Exit codes: 0 healthy, 1 something is not (listed), 2 bad flags, 3 the cluster could not be read.");
  s->callback([f] { setExitCode(runStatus(*f)); });
}

}  // namespace iop::cmd
