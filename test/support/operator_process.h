#pragma once

// `iop run` as a separate local process, the way the end-to-end and fault tests run operators:
// either with the admin kubeconfig, or exactly as the Deployment that `iop operator init`
// created would run it (its container args and env, its ServiceAccount's token), so the RBAC
// iop ships is what the process is allowed to do.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace iop::test {

struct OperatorLaunch {
  std::string binary;                                    // path of the iop binary
  std::string kubeconfig;                                // passed as --kubeconfig
  std::vector<std::string> args;                         // after `iop run`
  std::vector<std::pair<std::string, std::string>> env;  // set on top of the test's env
};

// Writes a kubeconfig for the test cluster (its server and CA) that authenticates as
// ServiceAccount ns/name with a one-hour token from the TokenRequest API (`kubectl create token`).
// Returns its path (inside the cluster directory). Fails the test when kubectl fails.
std::string serviceAccountKubeconfig(const std::string& ns, const std::string& name);

// How the Deployment ns/name (created by `iop operator init`) runs its operator: the container's
// args and env (POD_NAME from its fieldRef becomes a made-up pod name), its ServiceAccount's
// token. Bind addresses are left to OperatorProcess. Fails the test when the Deployment is missing.
OperatorLaunch launchFromDeployment(const std::string& binary, const std::string& ns,
                                    const std::string& name);

// A running `iop run`; its stdout and stderr go to a log file under the cluster directory
// (logs/<name>.log, kept after the test for post-mortems). The metrics and health endpoints are
// bound to free loopback ports. The destructor sends SIGTERM, waits up to 10 s, then SIGKILLs.
// Not thread-safe; use from the test's thread.
class OperatorProcess {
 public:
  OperatorProcess(OperatorLaunch launch, const std::string& name);
  ~OperatorProcess();
  OperatorProcess(const OperatorProcess&) = delete;
  OperatorProcess& operator=(const OperatorProcess&) = delete;

  // Polls /readyz until it answers 200 (true) or the process exits or the timeout passes (false).
  bool waitReady(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Sends sig (SIGKILL to simulate a crash, SIGTERM for a clean stop).
  void signal(int sig);
  // Waits for exit: the exit code (128+signal when killed), or -1 when still running at timeout.
  int wait(std::chrono::milliseconds timeout);
  bool running();
  // Starts the same launch again after an exit (a restarted pod): new process, same log file.
  void restart();
  std::string log() const;  // everything the process(es) wrote so far
  std::string logPath() const { return logPath_; }
  pid_t pid() const { return pid_; }
  unsigned short healthPort() const { return healthPort_; }
  unsigned short metricsPort() const { return metricsPort_; }

 private:
  void start();

  OperatorLaunch launch_;
  std::string logPath_;
  pid_t pid_ = -1;
  int exitCode_ = -1;
  unsigned short healthPort_ = 0;
  unsigned short metricsPort_ = 0;
};

// A loopback TCP port nothing listens on right now.
unsigned short freePort();

}  // namespace iop::test
