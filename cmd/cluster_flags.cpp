#include "cmd/cluster_flags.h"

#include <iostream>

namespace iop::cmd {

void addClusterFlags(CLI::App& cmd, ClusterFlags& flags) {
  cmd.add_option("-c,--kubeconfig", flags.kubeconfig,
                 "Path to the kubeconfig file (default: $KUBECONFIG, "
                 "in-cluster, ~/.kube/config)");
  cmd.add_option("--context", flags.context, "The kubeconfig context to use");
}

std::unique_ptr<kube::Client> connect(const ClusterFlags& flags, RateLimits limits) {
  auto config = kube::loadDefaultConfig({.path = flags.kubeconfig, .context = flags.context});
  if (!config) {
    std::cerr << "error: " << config.error().describe() << "\n";
    return nullptr;
  }
  config->qps = limits.qps;
  config->burst = limits.burst;
  auto client = kube::Client::create(std::move(*config));
  if (!client) {
    std::cerr << "error: " << client.error().describe() << "\n";
    return nullptr;
  }
  return std::move(*client);
}

bool confirm(const std::string& question, bool yes) {
  if (yes) return true;
  std::cout << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    std::cout << "\nno answer (standard input closed): nothing done; pass -y to proceed without asking\n";
    return false;
  }
  return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace iop::cmd
