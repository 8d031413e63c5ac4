// `make run` (scripts/run.sh once iop is built): a cluster, the operator of 1-8-0 and the page's
// CRs, istiod-1-8-0 and a Deployment it injects, then the operator in the foreground until Ctrl-C,
// which must stop everything it started.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
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

TEST_CASE("make run shows the page's CRs HEALTHY and a pod istiod injected and Ctrl-C stops all it started",
          "[e2e][run][istiod]") {
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
               out.find("continue the page") != std::string::npos;
      },
      std::chrono::seconds(240));
  std::string out = readFile(log);
  INFO(out);
  REQUIRE(shown);
  CHECK(out.find("control-plane-1-8-0   1-8-0      HEALTHY") != std::string::npos);
  CHECK(out.find("deployment.apps/istiod-1-8-0") != std::string::npos);
  CHECK(out.find("service/istio-ingressgateway") != std::string::npos);
  // istiod-1-8-0 runs and injected the demo's pod: its row lists istio-proxy beside the app's own
  // container, which `kubectl create deployment web --image=nginx` names after its image.
  std::smatch row;
  CHECK(std::regex_search(out, row, std::regex(R"((web-\S+)\s+(\S+)\s+(\S+))")));
  INFO("demo pod row: " << row.str());
  CHECK((row[2].str().find("istio-proxy") != std::string::npos ||
         row[3].str().find("istio-proxy") != std::string::npos));
  CHECK(row[3].str().find("nginx") != std::string::npos);
  std::vector<pid_t> started;
  for (const auto& f : std::filesystem::directory_iterator(dir + "/pids"))
    started.push_back(std::stoi(readFile(f.path().string())));
  // etcd, egress proxy, apiserver, controller-manager, scheduler, kwok, operator, istiod-1-8-0
  REQUIRE(started.size() == 8);

  std::this_thread::sleep_for(std::chrono::seconds(2));
  ::kill(-pid, SIGINT);  // Ctrl-C
  int code = waitExit(pid, std::chrono::seconds(60));
  out = readFile(log);
  INFO(out);
  CHECK(code == 130);
  CHECK(out.find("released the lease") != std::string::npos);
  for (pid_t p : started) {
    INFO("process " << p << " that run.sh started");
    CHECK(::kill(p, 0) != 0);
  }
}
