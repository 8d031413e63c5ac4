#pragma once

// Istio's own istiod (pilot-discovery, built from the pinned istio.io/istio module) for one
// revision, as a local process standing in for the pod of the Deployment iop rendered:
// scripts/run-istiod.py runs it with that container's args and env and a token of its
// ServiceAccount, on free loopback ports, and registers the pod's address with the cluster's
// egress proxy, so the API server's admission calls to Service istiod-R reach it.
#include <sys/types.h>

#include <chrono>
#include <string>

namespace iop::test {

class IstiodProcess {
 public:
  // Starts istiod for `revision` ("" for the default one) against the cluster of clusterDir()
  // (IOP_TEST_CLUSTER); returns at once (see waitReady). Its output goes to
  // <cluster>/logs/istiod-<revision>.log, kept with the cluster's logs. Requires the revision's
  // Deployment to exist and a pod of it to be Running (the runner waits up to 2 min for one).
  explicit IstiodProcess(std::string revision, std::string ns = "istio-system");
  // stop().
  ~IstiodProcess();
  IstiodProcess(const IstiodProcess&) = delete;
  IstiodProcess& operator=(const IstiodProcess&) = delete;

  // Polls istiod's /ready until it answers 200 (true), or the process exits or the timeout
  // passes (false). Blocks.
  bool waitReady(std::chrono::milliseconds timeout = std::chrono::seconds(90));
  // Whether the runner (and so istiod) still runs. It exits by itself when istiod's pod is
  // deleted, as a kubelet would stop the container.
  bool running();
  // Waits for the runner to exit: its exit code, or -1 when still running at timeout.
  int wait(std::chrono::milliseconds timeout);
  // SIGTERM to the runner (which stops istiod and removes its routes), SIGKILL to its process
  // group after 30 s. Idempotent.
  void stop();

  const std::string& revision() const { return revision_; }
  std::string log() const;
  const std::string& logPath() const { return logPath_; }
  // The pod istiod stands in for and its IP; "" until the runner has started istiod.
  std::string podName() const;
  std::string podIP() const;
  // The local port of istiod's HTTP listener (/ready, /debug/...); 0 until started.
  unsigned short httpPort() const;

 private:
  std::string endpoint(const std::string& key) const;

  std::string revision_, namespace_, clusterDir_, logPath_;
  pid_t pid_ = -1;
  int exitCode_ = -1;
};

}  // namespace iop::test
