// `make run` (scripts/run.sh once iop is built): a cluster, the operator of 1-8-0 and the page's
// CRs, then the operators' logs until Ctrl-C, which must stop everything it started and exit 0.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "test/e2e/e2e_support.h"
#include "test/support/iop_cli.h"

using namespace iop::test;
using namespace iop::test::e2e;

namespace {

// Exit code of `pid` (128+signal when killed), or -1 when it is still running after `timeout`.
int waitExit(pid_t pid, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return -1;
}

}  // namespace

TEST_CASE("make run shows the page's CRs HEALTHY and Ctrl-C stops the operator and the cluster, exit 0",
          "[e2e][run]") {
  const std::string dir = std::string(IOP_BINARY_DIR) + "/e2e-run-cluster";
  const std::string log = std::string(IOP_BINARY_DIR) + "/e2e-run.log";
  (void)run({std::string(IOP_SOURCE_DIR) + "/test/cluster/down.sh", dir});
  std::filesystem::remove_all(dir);
  std::filesystem::remove(log);  // a previous run's output must not pass for this one's
  announce("scripts/run.sh " + dir + " (output in " + log + ")");

  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // A process group of its own, as a terminal's foreground job, with SIGINT as a terminal
    // delivers it (default action, not ignored).
    ::setpgid(0, 0);
    ::signal(SIGINT, SIG_DFL);
    std::FILE* out = std::freopen(log.c_str(), "w", stdout);
    ::dup2(::fileno(stdout), 2);
    (void)out;
    ::unsetenv("KUBECONFIG");
    std::string script = std::string(IOP_SOURCE_DIR) + "/scripts/run.sh";
    ::execlp("bash", "bash", script.c_str(), dir.c_str(), IOP_BINARY, static_cast<char*>(nullptr));
    _exit(127);
  }
  // Whatever happens below, nothing this test started outlives it.
  struct Cleanup {
    pid_t pid;
    std::string dir;
    ~Cleanup() {
      ::kill(-pid, SIGTERM);
      waitExit(pid, std::chrono::seconds(30));
      (void)run({std::string(IOP_SOURCE_DIR) + "/test/cluster/down.sh", dir});
    }
  } cleanup{pid, dir};

  bool shown = eventually(
      [&] {
        std::string out = readFile(log);
        return out.find("istiooperator.install.istio.io/gateways") != std::string::npos &&
               out.find("The cluster runs until Ctrl-C") != std::string::npos;
      },
      std::chrono::seconds(240));
  std::string out = readFile(log);
  INFO(out);
  REQUIRE(shown);
  CHECK(out.find("control-plane-1-8-0   1-8-0      HEALTHY") != std::string::npos);
  CHECK(out.find("deployment.apps/istiod-1-8-0") != std::string::npos);
  CHECK(out.find("service/istio-ingressgateway") != std::string::npos);
  std::vector<pid_t> started;
  for (const auto& f : std::filesystem::directory_iterator(dir + "/pids"))
    started.push_back(std::stoi(readFile(f.path().string())));
  REQUIRE(started.size() == 6);  // etcd, apiserver, controller-manager, scheduler, kwok, operator

  // The operator runs apart from make run's shell (its log in a file make run follows): the
  // operator of 1-8-0 ending, here by the page's `iop operator remove`, leaves the cluster up.
  CHECK(readFile(dir + "/logs/operator-1-8-0.log").find("acquired the lease") != std::string::npos);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ::kill(-pid, SIGINT);  // Ctrl-C
  int code = waitExit(pid, std::chrono::seconds(60));
  out = readFile(log);
  INFO(out);
  CHECK(code == 0);  // a Ctrl-C is how make run ends: not an error
  CHECK(readFile(dir + "/logs/operator-1-8-0.log").find("released the lease") != std::string::npos);
  for (pid_t p : started) {
    INFO("process " << p << " that run.sh started");
    CHECK(::kill(p, 0) != 0);
  }
}
