// A mistyped verb gets the verb the user probably meant, and every kind of bad command line
// exits 2, as each verb's --help documents.
#include <catch2/catch.hpp>

#include "cmd/suggest.h"
#include "test/support/process.h"

using iop::cmd::nearest;

namespace {

iop::test::ProcessResult iop_(std::vector<std::string> args) {
  args.insert(args.begin(), IOP_BINARY);
  return iop::test::run(args);
}

}  // namespace

TEST_CASE("nearest finds the verb a typo was meant to be, and nothing for a word far from every verb",
          "[cli]") {
  const std::vector<std::string> verbs = {"version", "manifest",  "operator", "run",
                                          "install", "uninstall", "status"};
  CHECK(nearest("instal", verbs) == "install");
  CHECK(nearest("isntall", verbs) == "install");  // two letters swapped: one edit
  CHECK(nearest("unistall", verbs) == "uninstall");
  CHECK(nearest("stauts", verbs) == "status");
  CHECK(nearest("oper", verbs) == "operator");  // a prefix
  CHECK(nearest("frobnicate", verbs) == std::nullopt);
  CHECK(nearest("rm", verbs) == std::nullopt);  // two edits of a two-letter word is not a typo
}

TEST_CASE("an unknown verb names the nearest one and exits 2, at the top and under operator", "[cli]") {
  auto top = iop_({"instal"});
  INFO(top.out);
  CHECK(top.exitCode == 2);
  CHECK_THAT(top.out, Catch::Contains("unknown verb \"instal\" for \"iop\"; did you mean \"install\"?"));

  auto nested = iop_({"operator", "int", "--revision", "1-8-0"});
  INFO(nested.out);
  CHECK(nested.exitCode == 2);
  CHECK_THAT(nested.out,
             Catch::Contains("unknown verb \"int\" for \"iop operator\"; did you mean \"init\"?"));

  auto far = iop_({"frobnicate"});
  CHECK(far.exitCode == 2);
  CHECK_THAT(far.out, Catch::Contains("unknown verb \"frobnicate\""));
  CHECK_THAT(far.out, !Catch::Contains("did you mean"));

  CHECK(iop_({}).exitCode == 2);            // no verb at all
  CHECK(iop_({"operator"}).exitCode == 2);  // a verb that needs a sub-verb
  CHECK(iop_({"--help"}).exitCode == 0);    // help is not an error
  CHECK_THAT(iop_({"--help"}).out, Catch::Contains("status"));
}

TEST_CASE("status --help teaches its exit codes and -o", "[cli]") {
  auto r = iop_({"status", "--help"});
  CHECK(r.exitCode == 0);
  CHECK_THAT(r.out, Catch::Contains("iop status -o json"));
  CHECK_THAT(r.out, Catch::Contains("1 something is not"));
  CHECK(iop_({"status", "-o", "table"}).exitCode == 2);
}
