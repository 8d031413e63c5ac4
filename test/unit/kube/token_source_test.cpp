// Bearer tokens from a file are re-read as the file changes, at most every interval.
#include "kube/token_source.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "test/unit/kube/fake_clock.h"

using namespace iop::kube;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST_CASE("a token file is re-read after the check interval, not before", "[kube][token]") {
  std::string tmpl = (fs::temp_directory_path() / "iop-token-XXXXXX").string();
  fs::path dir = ::mkdtemp(tmpl.data());
  auto file = (dir / "token").string();
  std::ofstream(file) << "first\n";
  testing::FakeClock fake;
  TokenSource source("static-ignored", file, 5s, fake.clock());
  CHECK(*source.token() == "first");

  std::ofstream(file) << "second";
  fake.advance(4s);
  CHECK(*source.token() == "first");
  fake.advance(2s);
  CHECK(*source.token() == "second");

  // A failed re-read keeps the last good token.
  fs::remove(file);
  fake.advance(10s);
  CHECK(*source.token() == "second");

  // invalidate() forces a look at the file before the interval is up.
  std::ofstream(file) << "third";
  CHECK(*source.token() == "second");
  source.invalidate();
  CHECK(*source.token() == "third");
  fs::remove_all(dir);
}

TEST_CASE("a token file that never existed is an error and a static token is used as is", "[kube][token]") {
  TokenSource missing("", "/nonexistent/iop-token", 1s);
  auto t = missing.token();
  REQUIRE_FALSE(t.ok());
  CHECK_THAT(t.error().describe(), Catch::Contains("/nonexistent/iop-token"));
  TokenSource fixed("abc", "", 1s);
  CHECK(*fixed.token() == "abc");
  CHECK_FALSE(fixed.fromFile());
}
