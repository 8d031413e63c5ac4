// The engine renders every case of test/template/cases.yaml exactly as Helm v4.2.0 rendered it
// (the record in cases.expected.json, made by template_difftest record): output byte for byte,
// or the same error text.
#include <catch2/catch.hpp>

#include <fstream>

#include "test/template/render_jobs.h"

using nlohmann::json;

TEST_CASE("every case of the table renders as Helm v4.2.0 rendered it", "[template]") {
  const std::string dir = std::string(IOP_SOURCE_DIR) + "/test/template/";
  auto cases = iop::tmpl::test::loadCases(dir + "cases.yaml");
  json expected = json::parse(std::ifstream(dir + "cases.expected.json"));
  REQUIRE(cases.size() > 100);
  for (const auto& c : cases) {
    INFO("case: " << c.name);
    REQUIRE(expected.contains(c.name));
    json got = iop::tmpl::test::renderJob(c.job);
    const json& want = expected[c.name];
    if (want.contains("error")) {
      REQUIRE(got.contains("error"));
      CHECK(got["error"].get<std::string>() == want["error"].get<std::string>());
    } else {
      REQUIRE(got.contains("files"));
      CHECK(got["files"].dump(1) == want["files"].dump(1));
    }
  }
}
