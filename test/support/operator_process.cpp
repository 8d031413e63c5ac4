#include "test/support/operator_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "test/support/cluster.h"
#include "test/support/http_get.h"

namespace iop::test {

using json = nlohmann::json;
namespace fs = std::filesystem;

unsigned short freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  REQUIRE(ok);
  return ntohs(addr.sin_port);
}

std::string serviceAccountKubeconfig(const std::string& ns, const std::string& name) {
  auto token = kubectl({"-n", ns, "create", "token", name, "--duration=1h"});
  INFO(token.out);
  REQUIRE(token.exitCode == 0);
  std::string t = token.out;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  // JSON is YAML: kubectl and iop both read this kubeconfig.
  json config = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters",
       {{{"name", "test"},
         {"cluster", {{"server", serverURL()}, {"certificate-authority", clusterDir() + "/pki/ca.crt"}}}}}},
      {"users", {{{"name", ns + "/" + name}, {"user", {{"token", t}}}}}},
      {"contexts", {{{"name", "sa"}, {"context", {{"cluster", "test"}, {"user", ns + "/" + name}}}}}},
      {"current-context", "sa"},
  };
  static std::atomic<int> counter{0};
  std::string path = clusterDir() + "/sa-" + ns + "-" + name + "-" + std::to_string(getpid()) + "-" +
                     std::to_string(++counter) + ".kubeconfig";
  std::ofstream(path) << config.dump(2);
  return path;
}

OperatorLaunch launchFromDeployment(const std::string& binary, const std::string& ns,
                                    const std::string& name) {
  auto got = kubectl({"-n", ns, "get", "deployment", name, "-o", "json"});
  INFO(got.out);
  REQUIRE(got.exitCode == 0);
  json deployment = json::parse(got.out);
  const json& pod = deployment["spec"]["template"]["spec"];
  const json& container = pod["containers"][0];
  OperatorLaunch launch;
  launch.binary = binary;
  launch.kubeconfig = serviceAccountKubeconfig(ns, pod.value("serviceAccountName", "default"));
  std::vector<std::string> args = container.value("args", std::vector<std::string>{});
  REQUIRE_FALSE(args.empty());
  REQUIRE(args.front() == "run");
  for (size_t i = 1; i < args.size(); ++i) {
    // OperatorProcess binds these to free loopback ports; the pod's ports would collide.
    if (args[i].rfind("--metrics-bind-address", 0) == 0 ||
        args[i].rfind("--health-probe-bind-address", 0) == 0)
      continue;
    launch.args.push_back(args[i]);
  }
  for (const auto& e : container.value("env", json::array())) {
    std::string var = e["name"];
    if (e.contains("value")) {
      launch.env.emplace_back(var, e["value"].get<std::string>());
    } else {
      INFO("env " << var << " of " << ns << "/" << name << ": only metadata.name fieldRefs are supported");
      REQUIRE(e["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name");
      launch.env.emplace_back(var, name + "-local-" + std::to_string(getpid()));
    }
  }
  return launch;
}

OperatorProcess::OperatorProcess(OperatorLaunch launch, const std::string& name)
    : launch_(std::move(launch)) {
  fs::create_directories(clusterDir() + "/logs");
  logPath_ = clusterDir() + "/logs/" + name + ".log";
  std::ofstream(logPath_, std::ios::trunc).flush();
  start();
}

OperatorProcess::~OperatorProcess() {
  if (pid_ > 0 && running()) {
    ::kill(pid_, SIGTERM);
    if (wait(std::chrono::seconds(10)) < 0) {
      ::kill(pid_, SIGKILL);
      wait(std::chrono::seconds(10));
    }
  }
}

void OperatorProcess::start() {
  healthPort_ = freePort();
  metricsPort_ = freePort();
  std::vector<std::string> argv{launch_.binary,
                                "run",
                                "--kubeconfig",
                                launch_.kubeconfig,
                                "--health-probe-bind-address",
                                "127.0.0.1:" + std::to_string(healthPort_),
                                "--metrics-bind-address",
                                "127.0.0.1:" + std::to_string(metricsPort_)};
  argv.insert(argv.end(), launch_.args.begin(), launch_.args.end());
  exitCode_ = -1;
  pid_ = ::fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    int log = ::open(logPath_.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::close(log);
    ::close(devnull);
    // The operator must not pick up the developer's kubeconfig through the environment.
    ::unsetenv("KUBECONFIG");
    for (const auto& [k, v] : launch_.env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
}

bool OperatorProcess::waitReady(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return false;
    if (httpGet(healthPort_, "/readyz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void OperatorProcess::signal(int sig) {
  if (pid_ > 0 && exitCode_ < 0) ::kill(pid_, sig);
}

int OperatorProcess::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (!running()) return exitCode_;
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool OperatorProcess::running() {
  if (pid_ <= 0) return false;
  if (exitCode_ >= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  exitCode_ = r == pid_ ? (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) : 255;
  return false;
}

void OperatorProcess::restart() {
  REQUIRE_FALSE(running());
  start();
}

std::string OperatorProcess::log() const {
  std::ifstream in(logPath_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace iop::test
