#include "test/support/istiod_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "test/support/cluster.h"
#include "test/support/http_get.h"

namespace iop::test {

namespace fs = std::filesystem;

IstiodProcess::IstiodProcess(std::string revision, std::string ns)
    : revision_(std::move(revision)), namespace_(std::move(ns)), clusterDir_(clusterDir()) {
  const std::string key = revision_.empty() ? "default" : revision_;
  fs::create_directories(clusterDir_ + "/logs");
  logPath_ = clusterDir_ + "/logs/istiod-" + key + ".log";
  // A previous istiod of this revision must not pass for this one.
  std::error_code ignored;
  fs::remove(clusterDir_ + "/istiod/" + key + "/endpoints.json", ignored);
  std::vector<std::string> argv{"/usr/bin/python3", std::string(IOP_SOURCE_DIR) + "/scripts/run-istiod.py",
                                clusterDir_,        "--revision",
                                revision_,          "--namespace",
                                namespace_};
  pid_ = ::fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    // A process group of its own, so stop() can end istiod too should the runner hang.
    ::setpgid(0, 0);
    int log = ::open(logPath_.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::close(log);
    ::close(devnull);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
}

IstiodProcess::~IstiodProcess() {
  stop();
}

void IstiodProcess::stop() {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  if (wait(std::chrono::seconds(30)) < 0) {
    ::kill(-pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
}

bool IstiodProcess::running() {
  if (pid_ <= 0 || exitCode_ >= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  exitCode_ = r == pid_ ? (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) : 255;
  return false;
}

int IstiodProcess::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return exitCode_;
}

bool IstiodProcess::waitReady(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return false;
    if (unsigned short port = httpPort(); port != 0 && httpGet(port, "/ready").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

std::string IstiodProcess::endpoint(const std::string& key) const {
  std::ifstream in(clusterDir_ + "/istiod/" + (revision_.empty() ? "default" : revision_) +
                   "/endpoints.json");
  if (!in) return "";
  auto j = nlohmann::json::parse(in, nullptr, false);
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

std::string IstiodProcess::podName() const {
  return endpoint("pod");
}

std::string IstiodProcess::podIP() const {
  return endpoint("podIP");
}

unsigned short IstiodProcess::httpPort() const {
  std::string addr = endpoint("http");
  auto colon = addr.rfind(':');
  return colon == std::string::npos ? 0 : static_cast<unsigned short>(std::stoi(addr.substr(colon + 1)));
}

std::string IstiodProcess::log() const {
  std::ifstream in(logPath_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace iop::test
