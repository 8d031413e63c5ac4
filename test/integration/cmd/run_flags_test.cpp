// `iop run`'s flag checks: bad input exits 2 before anything connects to a cluster.
#include <catch2/catch.hpp>

#include "test/support/process.h"

TEST_CASE("iop run rejects a bad log format, worker count or leader-elect value with exit code 2", "[run]") {
  auto format = iop::test::run({IOP_BINARY, "run", "--log-format", "xml"});
  CHECK(format.exitCode == 2);
  CHECK(format.out.find("--log-format xml") != std::string::npos);
  auto workers = iop::test::run({IOP_BINARY, "run", "--max-concurrent-reconciles", "0"});
  CHECK(workers.exitCode == 2);
  auto elect = iop::test::run({IOP_BINARY, "run", "--leader-elect", "maybe"});
  CHECK(elect.exitCode == 2);
}

TEST_CASE("iop run documents its API rate limits and rejects a burst below one with exit code 2", "[run]") {
  auto help = iop::test::run({IOP_BINARY, "run", "--help"});
  CHECK(help.exitCode == 0);
  CHECK(help.out.find("--kube-api-qps FLOAT=200") != std::string::npos);
  CHECK(help.out.find("--kube-api-burst INT=400") != std::string::npos);
  auto burst = iop::test::run({IOP_BINARY, "run", "--kube-api-qps", "20", "--kube-api-burst", "0"});
  CHECK(burst.exitCode == 2);
  CHECK(burst.out.find("--kube-api-burst") != std::string::npos);
}
