// Watch streams are split into events wherever the network cuts them.
#include "kube/watch_decoder.h"

#include <catch2/catch.hpp>
#include <random>

using namespace iop::kube;

namespace {

const std::string kStream =
    R"({"type":"ADDED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"10"},"data":{"x":"line\nbreak"}}})"
    "\n"
    R"({"type":"MODIFIED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"11"}}})"
    "\r\n"
    R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"12"}}})"
    "\n"
    R"({"type":"DELETED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"13"}}})"
    "\n";

std::vector<std::string> linesOf(const std::vector<std::size_t>& cuts) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  std::size_t pos = 0;
  auto onLine = [&](std::string_view l) {
    lines.emplace_back(l);
    return true;
  };
  for (auto cut : cuts) {
    splitter.feed(std::string_view(kStream).substr(pos, cut - pos), onLine);
    pos = cut;
  }
  splitter.feed(std::string_view(kStream).substr(pos), onLine);
  return lines;
}

}  // namespace

TEST_CASE("lines come out whole however the stream is chunked", "[kube][watch]") {
  auto whole = linesOf({});
  REQUIRE(whole.size() == 4);
  CHECK(whole[1].back() == '}');  // the \r of \r\n is dropped

  SECTION("one byte at a time") {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < kStream.size(); ++i) cuts.push_back(i);
    CHECK(linesOf(cuts) == whole);
  }
  SECTION("random chunk boundaries") {
    std::mt19937 rng(42);
    for (int round = 0; round < 200; ++round) {
      std::vector<std::size_t> cuts;
      std::uniform_int_distribution<std::size_t> dist(1, kStream.size() - 1);
      for (int i = 0; i < 5; ++i) cuts.push_back(dist(rng));
      std::sort(cuts.begin(), cuts.end());
      CHECK(linesOf(cuts) == whole);
    }
  }
  SECTION("cuts exactly at each newline") {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 0; i < kStream.size(); ++i)
      if (kStream[i] == '\n') cuts.push_back(i + 1);
    cuts.pop_back();
    CHECK(linesOf(cuts) == whole);
  }
}

TEST_CASE("only the unfinished line is kept between chunks", "[kube][watch]") {
  LineSplitter splitter;
  int n = 0;
  splitter.feed("{\"type\":\"ADDED\"}\n{\"ty", [&](std::string_view) { return ++n, true; });
  CHECK(n == 1);
  CHECK(splitter.buffered() == 4);
  CHECK(splitter.takeRemainder() == "{\"ty");
  CHECK(splitter.buffered() == 0);
}

TEST_CASE("a handler can stop mid-chunk", "[kube][watch]") {
  LineSplitter splitter;
  int n = 0;
  bool more = splitter.feed(kStream, [&](std::string_view) { return ++n < 2; });
  CHECK_FALSE(more);
  CHECK(n == 2);
}

TEST_CASE("watch lines parse into typed events", "[kube][watch]") {
  std::vector<WatchEvent> events;
  LineSplitter splitter;
  splitter.feed(kStream, [&](std::string_view line) {
    auto ev = parseWatchEvent(line);
    REQUIRE(ev.ok());
    events.push_back(*ev);
    return true;
  });
  REQUIRE(events.size() == 4);
  CHECK(events[0].type == WatchEvent::Type::Added);
  CHECK(events[0].object["data"]["x"] == "line\nbreak");  // an escaped newline is not a line break
  CHECK(events[1].type == WatchEvent::Type::Modified);
  CHECK(events[2].type == WatchEvent::Type::Bookmark);
  CHECK(events[2].object["metadata"]["resourceVersion"] == "12");
  CHECK(events[3].type == WatchEvent::Type::Deleted);

  auto error =
      parseWatchEvent(R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}})");
  REQUIRE(error.ok());
  CHECK(error->type == WatchEvent::Type::Error);
}

TEST_CASE("malformed watch lines are Decode errors that quote the line", "[kube][watch]") {
  for (const char* bad : {"not json", "[1,2]", R"({"object":{}})", R"({"type":"SIDEWAYS","object":{}})",
                          R"({"type":"ADDED"})"}) {
    auto ev = parseWatchEvent(bad);
    INFO(bad);
    REQUIRE_FALSE(ev.ok());
    CHECK(ev.error().kind == ErrorKind::Decode);
  }
  CHECK_THAT(parseWatchEvent("not json").error().message, Catch::Contains("not json"));
}
