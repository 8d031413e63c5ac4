// The README's "The story", as a newcomer follows it: `make run` (scripts/run.sh), then every
// command of the `sh` blocks of that section, copied out of README.md by this test and run as
// written (bash, from the repository's root, KUBECONFIG and PATH as the README exports them,
// `y` answered where iop asks), so the README cannot drift from what works. Path 2 continues
// what `make run` started and removes the operator `make run` runs; then the way is cleared and
// Path 1 runs in the same cluster, which must still be up at the end, until the Ctrl-C.
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

struct Command {
  std::string section;  // the "### " heading it is under
  std::string line;     // as written, its comment included
};

// Every command line of the ```sh blocks of the README's "## The story" section, in order.
std::vector<Command> storyCommands() {
  std::ifstream in(std::string(IOP_SOURCE_DIR) + "/README.md");
  REQUIRE(in.good());
  std::vector<Command> out;
  bool inStory = false, inBlock = false;
  std::string section;
  for (std::string line; std::getline(in, line);) {
    if (!inBlock && line.rfind("## ", 0) == 0) inStory = line.rfind("## The story", 0) == 0;
    if (!inStory) continue;
    if (!inBlock && line.rfind("### ", 0) == 0) section = line.substr(4);
    if (line.rfind("```", 0) == 0) {
      inBlock = !inBlock && line == "```sh";
      continue;
    }
    auto text = line.substr(std::min(line.size(), line.find_first_not_of(' ')));
    if (inBlock && !text.empty() && text[0] != '#') out.push_back({section, line});
  }
  return out;
}

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

// What some commands must show besides exiting 0: the page's checks. Keyed by the command as the
// README writes it (without its comment); every key must be met, so a README that drops or
// rewrites one of these steps fails here rather than silently checking less.
struct Expectation {
  std::string command;
  std::vector<std::string> shows;
  std::vector<std::string> hides;
};
const std::vector<Expectation> kExpectations = {
    {"kubectl -n istio-system get pod -l app=istiod", {"istiod-1-8-0-", "istiod-1-8-1-"}, {}},
    // The restarted pod was injected by istiod-1-8-1, which the README started.
    {"kubectl -n demo-app get pods -o yaml | grep discoveryAddress",
     {"istiod-1-8-1.istio-system.svc:15012"},
     {}},
    {"kubectl -n istio-system get pod -l app=istio-ingressgateway --show-labels",
     {"service.istio.io/canonical-revision=1-8-1"},
     {}},
    {"kubectl -n istio-system get deploy -l app=istiod", {"istiod-1-8-1"}, {"istiod-1-8-0"}},
    {"iop operator remove --revision 1-8-0", {"removed Lease istio-operator/iop-1-8-0-leader"}, {}},
    {"kubectl get pods -n istio-system --show-labels",
     {"service.istio.io/canonical-revision=1-8-0", "istiod-1-8-1-"},
     {}},
    {"iop uninstall --revision 1-8-0", {"Uninstall complete"}, {}},
    {"iop status", {"Everything is healthy"}, {"problem"}},
};

std::string withoutComment(const std::string& line) {
  auto hash = line.find(" #");
  std::string cmd = hash == std::string::npos ? line : line.substr(0, hash);
  return cmd.substr(0, cmd.find_last_not_of(' ') + 1);
}

}  // namespace

TEST_CASE("the README's Path 2 and Path 1 run as written in the cluster of make run, which stays up",
          "[e2e][readme][istiod]") {
  const auto commands = storyCommands();
  REQUIRE(commands.size() >= 20);
  const std::string dir = std::string(IOP_BINARY_DIR) + "/e2e-readme-cluster";
  const std::string log = std::string(IOP_BINARY_DIR) + "/e2e-readme-run.log";
  (void)run({std::string(IOP_SOURCE_DIR) + "/test/cluster/down.sh", dir});
  std::filesystem::remove_all(dir);
  std::filesystem::remove(log);
  announce("make run: scripts/run.sh " + dir + " (output in " + log + ")");

  const std::string script = std::string(IOP_SOURCE_DIR) + "/scripts/run.sh";
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setpgid(0, 0);
    ::signal(SIGINT, SIG_DFL);
    std::FILE* out = std::freopen(log.c_str(), "w", stdout);
    ::dup2(::fileno(stdout), 2);
    (void)out;
    ::execlp("env", "env", "-u", "KUBECONFIG", "bash", script.c_str(), dir.c_str(), IOP_BINARY,
             static_cast<char*>(nullptr));
    _exit(127);
  }
  struct Cleanup {
    pid_t pid;
    std::string dir;
    ~Cleanup() {
      ::kill(-pid, SIGTERM);
      waitExit(pid, std::chrono::seconds(30));
      (void)run({std::string(IOP_SOURCE_DIR) + "/test/cluster/down.sh", dir});
      // Keep what happened for a post-mortem, as the other e2e tests do.
      const std::string kept = std::string(IOP_BINARY_DIR) + "/e2e-logs/readme-paths";
      std::filesystem::remove_all(kept);
      std::filesystem::create_directories(kept);
      std::error_code ec;
      std::filesystem::copy(dir + "/logs", kept, std::filesystem::copy_options::recursive, ec);
    }
  } cleanup{pid, dir};

  REQUIRE(eventually([&] { return readFile(log).find("The cluster runs until Ctrl-C") != std::string::npos; },
                     std::chrono::seconds(240)));
  {
    std::string out = readFile(log);
    INFO(out);
    CHECK_THAT(out, Catch::Contains("✔ Everything is healthy."));
  }

  const std::string buildDir = std::filesystem::path(IOP_BINARY).parent_path().string();
  // As the README's export line: the cluster's kubeconfig, build/ first on PATH.
  const std::string prelude = "cd '" + std::string(IOP_SOURCE_DIR) + "' && export KUBECONFIG='" + dir +
                              "/kubeconfig' PATH='" + buildDir + "':\"$PATH\"\n";
  std::set<std::string> met;
  std::string section;
  int step = 0;
  for (const auto& c : commands) {
    if (c.section != section) {
      section = c.section;
      step = 0;
    }
    const std::string cmd = withoutComment(c.line);
    announce("README, " + section + ", " + std::to_string(++step) + ": $ " + cmd);
    auto r = run({"bash", "-c", prelude + c.line}, "y\n");
    INFO("README, " << section << ": $ " << c.line << "\nexit " << r.exitCode << ", output:\n" << r.out);
    INFO("make run's output: " << log << "; the operators' logs: " << dir << "/logs/");
    REQUIRE(r.exitCode == 0);
    for (const auto& e : kExpectations) {
      if (e.command != cmd) continue;
      met.insert(e.command);
      for (const auto& s : e.shows) CHECK_THAT(r.out, Catch::Contains(s));
      for (const auto& s : e.hides) CHECK_THAT(r.out, !Catch::Contains(s));
    }
    if (cmd == "iop operator remove --revision 1-8-0") {
      // The operator make run started is the one removed: it says so and exits; make run goes on.
      bool said = eventually(
          [&] {
            return readFile(dir + "/logs/operator-1-8-0.log")
                       .find("the operator of revision \"1-8-0\" was removed") != std::string::npos;
          },
          std::chrono::seconds(20));
      INFO(readFile(dir + "/logs/operator-1-8-0.log"));
      CHECK(said);
    }
  }
  for (const auto& e : kExpectations) {
    INFO("the README no longer has the step `" << e.command << "` this test checks");
    CHECK(met.count(e.command) == 1);
  }

  {
    announce("after both paths: the cluster of make run is still up, and make run still runs");
    CHECK(run({"kubectl", "--kubeconfig", dir + "/kubeconfig", "get", "--raw", "/readyz"}).out == "ok");
    CHECK(waitExit(pid, std::chrono::seconds(0)) == -1);
    CHECK(readFile(dir + "/logs/operator-1-8-1.log").find("was removed") != std::string::npos);
  }
  {
    announce("Ctrl-C in make run's terminal: everything stops, exit 0");
    ::kill(-pid, SIGINT);
    int code = waitExit(pid, std::chrono::seconds(60));
    INFO(readFile(log));
    CHECK(code == 0);
    CHECK(run({"bash", "-c", "ls " + dir + "/pids/*.pid 2>/dev/null | wc -l"}).out == "0\n");
  }
}
