#pragma once

// A whole test cluster of one test's own, for tests that restart kube-apiserver or compact etcd:
// on the shared fixture cluster that would disturb the tests running beside them.
#include <cstdint>
#include <string>

#include "test/support/process.h"

namespace iop::test {

// Starts a cluster with test/cluster/up.sh in a fresh temporary directory (blocks until it is
// ready, tens of seconds); stops it and removes the directory at scope exit. Fails the test
// when up.sh fails. Not thread-safe.
class OwnCluster {
 public:
  OwnCluster();
  ~OwnCluster();
  OwnCluster(const OwnCluster&) = delete;
  OwnCluster& operator=(const OwnCluster&) = delete;

  const std::string& dir() const { return dir_; }
  std::string kubeconfig() const { return dir_ + "/kubeconfig"; }
  // Kills kube-apiserver, waits downtimeSeconds, starts it again and waits until it is ready
  // (test/cluster/restart-apiserver.sh). Blocks.
  ProcessResult restartApiserver(int downtimeSeconds) const;

 private:
  std::string dir_;
};

// Compacts the etcd of the cluster in `clusterDir` at its current revision (through etcd's HTTP
// gateway, physically), so every older revision is gone from storage and a watch from one of
// them gets 410 Gone. Returns the revision. Fails the test when etcd does not answer.
std::int64_t compactEtcd(const std::string& clusterDir);

}  // namespace iop::test
