#include "test/support/cluster.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace iop::test {

std::string clusterDir() {
  const char* dir = std::getenv("IOP_TEST_CLUSTER");
  if (dir == nullptr || *dir == '\0')
    throw std::runtime_error(
        "IOP_TEST_CLUSTER is not set: run integration tests through ctest, "
        "or start a cluster with test/cluster/up.sh DIR and export it");
  return dir;
}

std::string kubeconfigPath() {
  return clusterDir() + "/kubeconfig";
}

std::string serverURL() {
  std::ifstream in(clusterDir() + "/server");
  std::string url;
  if (!(in >> url)) throw std::runtime_error("no server file in " + clusterDir());
  return url;
}

ProcessResult kubectl(const std::vector<std::string>& args, const std::string& stdinText) {
  std::vector<std::string> argv{"kubectl", "--kubeconfig", kubeconfigPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, stdinText);
}

std::string kubectlJsonpath(const std::vector<std::string>& args, const std::string& path) {
  std::vector<std::string> a = args;
  a.push_back("-o=jsonpath=" + path);
  auto r = kubectl(a);
  return r.exitCode == 0 ? r.out : "";
}

std::string uniqueName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

}  // namespace iop::test
