// `make run` as a user types it in a terminal: a cluster, the operator of 1-8-0 and the page's
// CRs, istiod-1-8-0 and a Deployment it injects, then the operators' logs until Ctrl-C, which must stop everything it started and end
// quietly with exit 0 (no "make: *** ... Error 130"). The test owns a pseudo-terminal and runs
// the repository's Makefile on it (`make run`, its build and kube-binaries prerequisites taken as
// made: ctest runs after the build); the Ctrl-C is a ^C typed into that terminal, so the tty
// delivers SIGINT to its foreground process group as it does for a user.
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
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

// Owns the pty master. Copies everything the terminal shows to `log` as it comes (the pty must be
// drained, or the writer blocks once its buffer is full), until no process holds the terminal or
// this is destroyed.
class TerminalReader {
 public:
  TerminalReader(int master, std::string log) : master_(master), log_(std::move(log)) {
    thread_ = std::thread([this] {
      std::ofstream out(log_, std::ios::binary);
      char buf[4096];
      while (!stop_) {
        pollfd p{master_, POLLIN, 0};
        int ready = ::poll(&p, 1, 200);
        if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
        ssize_t n = ready < 0 ? -1 : ::read(master_, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // EIO: the last process holding the terminal is gone
        out.write(buf, n);
        out.flush();
      }
    });
  }
  ~TerminalReader() {
    stop_ = true;
    thread_.join();
    ::close(master_);
  }

 private:
  int master_;
  std::string log_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("make run shows the page's CRs HEALTHY and a pod istiod injected, and Ctrl-C stops all it started, exit 0",
          "[e2e][run][istiod]") {
  const std::string dir = std::string(IOP_BINARY_DIR) + "/e2e-run-cluster";
  const std::string log = std::string(IOP_BINARY_DIR) + "/e2e-run.log";
  (void)run({std::string(IOP_SOURCE_DIR) + "/test/cluster/down.sh", dir});
  std::filesystem::remove_all(dir);
  std::filesystem::remove(log);  // a previous run's output must not pass for this one's
  announce("make run on a terminal, RUN_DIR=" + dir + " (what the terminal shows: " + log + ")");

  // Everything the child needs, made before the fork: after it, only exec.
  const std::string buildDir = std::filesystem::path(IOP_BINARY).parent_path().string();
  const std::string buildArg = "BUILD_DIR=" + buildDir, runArg = "RUN_DIR=" + dir;
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // A session of its own on the pty, make in its foreground process group, as a shell runs it;
    // without the KUBECONFIG of the test, nor the jobserver of a `make test` around ctest.
    ::signal(SIGINT, SIG_DFL);
    ::execlp("env", "env", "-u", "KUBECONFIG", "-u", "MAKEFLAGS", "-u", "MFLAGS", "make", "-C",
             IOP_SOURCE_DIR, "--no-print-directory", "-o", "build", "-o", "kube-binaries", "-o", "istiod-binary", "run",
             buildArg.c_str(), runArg.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Declared before the cleanup, so it reads until the cleanup has stopped everything.
  TerminalReader reader(master, log);
  // Whatever happens below, nothing this test started outlives it. (run.sh moves itself into a
  // process group of its own on a terminal: down.sh stops the cluster, which ends it.)
  struct Cleanup {
    pid_t pid;
    int master;
    std::string dir;
    ~Cleanup() {
      ::kill(-pid, SIGTERM);
      (void)run({std::string(IOP_SOURCE_DIR) + "/test/cluster/down.sh", dir});
      waitExit(pid, std::chrono::seconds(30));
      ::kill(-pid, SIGHUP);  // as a closed terminal would
    }
  } cleanup{pid, master, dir};

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

  // The operator runs apart from make run's shell (its log in a file make run follows): the
  // operator of 1-8-0 ending, here by the page's `iop operator remove`, leaves the cluster up.
  CHECK(readFile(dir + "/logs/operator-1-8-0.log").find("acquired the lease") != std::string::npos);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  REQUIRE(::write(master, "\x03", 1) == 1);  // Ctrl-C, typed into make run's terminal
  int code = waitExit(pid, std::chrono::seconds(60));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the last lines reach the log
  out = readFile(log);
  INFO(out);
  CHECK(code == 0);  // a Ctrl-C is how make run ends: not an error
  CHECK(out.find("make: ***") == std::string::npos);
  CHECK(out.find("[cluster] stopped") != std::string::npos);
  CHECK(readFile(dir + "/logs/operator-1-8-0.log").find("released the lease") != std::string::npos);
  for (pid_t p : started) {
    INFO("process " << p << " that run.sh started");
    CHECK(::kill(p, 0) != 0);
  }
}
