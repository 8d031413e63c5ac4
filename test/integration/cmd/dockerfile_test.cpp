// No Docker engine runs here, so the Dockerfile is kept correct by construction: every shared
// library the built iop links must come from a package its runtime stage installs (or from the
// slim base image itself).
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "test/support/iop_cli.h"
#include "test/support/process.h"

using iop::test::run;

using iop::test::readFile;

namespace {

// Packages that debian:bookworm-slim already has.
const std::set<std::string> kBaseImage = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"};

}  // namespace

TEST_CASE("the Dockerfile's runtime stage installs the package of every library iop links", "[dockerfile]") {
  auto ldd = run({"ldd", IOP_BINARY});
  REQUIRE(ldd.exitCode == 0);
  std::string dockerfile = readFile(IOP_SOURCE_DIR "/Dockerfile");
  auto runtime = dockerfile.substr(dockerfile.rfind("FROM "));
  REQUIRE(runtime.find("bookworm-slim") != std::string::npos);
  CHECK(runtime.find("USER 1337") != std::string::npos);
  CHECK(runtime.find("ENTRYPOINT [\"iop\", \"run\"]") != std::string::npos);

  std::regex line(R"(\S+ => (\S+) \()");
  int libs = 0;
  for (std::sregex_iterator it(ldd.out.begin(), ldd.out.end(), line), end; it != end; ++it) {
    std::string path = (*it)[1];
    auto owner = run({"dpkg", "-S", path});
    if (owner.exitCode != 0) {  // /lib vs /usr/lib: dpkg knows one of the two spellings
      auto usr = path.rfind("/lib/", 0) == 0 ? "/usr" + path : path.substr(4);
      owner = run({"dpkg", "-S", usr});
    }
    INFO(path << ": " << owner.out);
    REQUIRE(owner.exitCode == 0);
    std::string pkg = owner.out.substr(0, owner.out.find(':'));
    ++libs;
    if (kBaseImage.count(pkg)) continue;
    CHECK(runtime.find(" " + pkg) != std::string::npos);
  }
  CHECK(libs >= 4);
}
