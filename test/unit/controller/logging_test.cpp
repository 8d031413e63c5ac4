// Log formats: text and JSON, with the reconcile context when set.
#include "controller/logging.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace iop::controller;

namespace {
std::string format(LogFormat f, const std::string& text,
                   spdlog::level::level_enum level = spdlog::level::info) {
  spdlog::details::log_msg msg("", level, text);
  spdlog::memory_buf_t buf;
  makeLogFormatter(f)->format(msg, buf);
  return std::string(buf.data(), buf.size());
}
}  // namespace

TEST_CASE("log formats are parsed by name", "[logging]") {
  CHECK(parseLogFormat("text") == LogFormat::Text);
  CHECK(parseLogFormat("json") == LogFormat::Json);
  CHECK_FALSE(parseLogFormat("xml").has_value());
}

TEST_CASE("a JSON log line is one valid object with level, message and context", "[logging]") {
  std::string line;
  {
    LogContext ctx("istio-like", "ns/name");
    line = format(LogFormat::Json, "quote \" and newline \n inside", spdlog::level::warn);
  }
  REQUIRE(line.back() == '\n');
  CHECK(std::count(line.begin(), line.end(), '\n') == 1);
  auto j = nlohmann::json::parse(line);
  CHECK(j["level"] == "warning");
  CHECK(j["msg"] == "quote \" and newline \n inside");
  CHECK(j["controller"] == "istio-like");
  CHECK(j["key"] == "ns/name");
  CHECK(j["ts"].get<std::string>().back() == 'Z');

  auto outside = nlohmann::json::parse(format(LogFormat::Json, "no context"));
  CHECK_FALSE(outside.contains("controller"));
}

TEST_CASE("a text log line carries level, context and message, and contexts nest", "[logging]") {
  LogContext outer("c1", "a/b");
  {
    LogContext inner("c2", "x/y");
    auto line = format(LogFormat::Text, "hello");
    CHECK(line.find(" info controller=c2 key=x/y hello\n") != std::string::npos);
  }
  CHECK(format(LogFormat::Text, "again").find("controller=c1 key=a/b again") != std::string::npos);
}
