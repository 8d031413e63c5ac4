#include "test/support/own_cluster.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace iop::test {

namespace fs = std::filesystem;

OwnCluster::OwnCluster() {
  std::string tmpl = (fs::temp_directory_path() / "iop-own-cluster-XXXXXX").string();
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  dir_ = tmpl;
  auto up = run({std::string(IOP_SOURCE_DIR) + "/test/cluster/up.sh", dir_});
  INFO(up.out);
  REQUIRE(up.exitCode == 0);
}

OwnCluster::~OwnCluster() {
  (void)run({std::string(IOP_SOURCE_DIR) + "/test/cluster/down.sh", dir_});
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

ProcessResult OwnCluster::restartApiserver(int downtimeSeconds) const {
  return run({std::string(IOP_SOURCE_DIR) + "/test/cluster/restart-apiserver.sh", dir_,
              std::to_string(downtimeSeconds)});
}

std::int64_t compactEtcd(const std::string& clusterDir) {
  std::ifstream in(clusterDir + "/etcd-endpoint");
  std::string endpoint;
  in >> endpoint;
  REQUIRE_FALSE(endpoint.empty());
  auto range = run({"curl", "-fsS", "-X", "POST", endpoint + "/v3/kv/range", "-d", R"({"key":"Lw=="})"});
  INFO(range.out);
  REQUIRE(range.exitCode == 0);
  auto revision = std::stoll(nlohmann::json::parse(range.out)["header"]["revision"].get<std::string>());
  auto compact = run({"curl", "-fsS", "-X", "POST", endpoint + "/v3/kv/compaction", "-d",
                      nlohmann::json{{"revision", std::to_string(revision)}, {"physical", true}}.dump()});
  INFO(compact.out);
  REQUIRE(compact.exitCode == 0);
  return revision;
}

}  // namespace iop::test
