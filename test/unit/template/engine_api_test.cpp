// The engine's contract (template/chart.h, template/go_yaml.h) beyond Helm's outputs: loading,
// bounds on a render, concurrency, and the YAML functions the renderer uses directly.
#include <catch2/catch.hpp>

#include <stop_token>
#include <thread>

#include "template/chart.h"
#include "template/go_yaml.h"

using namespace iop::tmpl;
using nlohmann::json;

namespace {

std::map<std::string, std::string> chartFiles(const std::string& tmpl, std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> files = {
      {"Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\nappVersion: 2.0.0\n"},
      {"values.yaml", "replicas: 1\nimage: {tag: latest}\n"},
      {"templates/t.yaml", tmpl}};
  for (auto& [k, v] : extra) files[k] = v;
  return files;
}

Result<std::map<std::string, std::string>> renderOne(const std::string& tmpl, const json& values = json::object(),
                                                     const Limits& limits = {}) {
  auto chart = Chart::load(chartFiles(tmpl));
  REQUIRE(chart.ok());
  return render(*chart, values, ReleaseOptions{"r", "ns"}, {}, limits);
}

}  // namespace

TEST_CASE("a loaded chart exposes its metadata, values.yaml as Helm reads it, and its CRDs", "[template]") {
  auto chart = Chart::load(chartFiles("x", {{"crds/b.yaml", "b"}, {"crds/a.yaml", "a"}, {"crds/notes.txt", "n"}}));
  REQUIRE(chart.ok());
  CHECK(chart->name() == "c");
  CHECK(chart->version() == "1.0.0");
  CHECK(chart->appVersion() == "2.0.0");
  CHECK(chart->values()["replicas"].is_number_float());
  CHECK(chart->values()["image"]["tag"] == "latest");
  auto crds = chart->crdFiles();
  REQUIRE(crds.size() == 2);
  CHECK(crds[0].first == "crds/a.yaml");
}

TEST_CASE("loading fails on a template that does not parse, with Helm's words and the line", "[template]") {
  auto chart = Chart::load(chartFiles("a\n{{ nosuch 1 }}"));
  REQUIRE_FALSE(chart.ok());
  CHECK(chart.error().message == "parse error at (c/templates/t.yaml:2): function \"nosuch\" not defined");
  CHECK(chart.error().line == 2);
}

TEST_CASE("loading fails without Chart.yaml, on a bad version, and on subcharts", "[template]") {
  CHECK_FALSE(Chart::load({{"templates/t.yaml", "x"}}).ok());
  CHECK_FALSE(Chart::load({{"Chart.yaml", "apiVersion: v2\nname: c\nversion: one\n"}}).ok());
  auto sub = Chart::load(chartFiles("x", {{"charts/sub/Chart.yaml", "name: sub"}}));
  REQUIRE_FALSE(sub.ok());
  CHECK(sub.error().message.find("subcharts") != std::string::npos);
}

TEST_CASE("render errors carry Helm's text and the template's location", "[template]") {
  auto out = renderOne("line\n  {{ fail \"stop here\" }}");
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().message == "execution error at (c/templates/t.yaml:2:5): stop here");
  CHECK(out.error().file == "c/templates/t.yaml");
  CHECK(out.error().line == 2);
}

TEST_CASE("a render is bounded in steps, output, nesting and time", "[template]") {
  Limits steps;
  steps.maxSteps = 10'000;
  auto loop = renderOne("{{ range until 100000 }}x{{ end }}", json::object(), steps);
  REQUIRE_FALSE(loop.ok());
  CHECK(loop.error().message.find("step budget") != std::string::npos);

  Limits output;
  output.maxOutputBytes = 1000;
  auto big = renderOne("{{ range until 2000 }}xx{{ end }}", json::object(), output);
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().message.find("1000 bytes") != std::string::npos);
  auto repeat = renderOne("{{ repeat 100000000 \"abc\" }}", json::object(), output);
  REQUIRE_FALSE(repeat.ok());

  Limits nesting;
  nesting.maxIncludeDepth = 50;
  auto chart = Chart::load(chartFiles("{{ include \"r\" . }}", {{"templates/_r.tpl", "{{ define \"r\" }}{{ include \"r\" . }}{{ end }}"}}));
  REQUIRE(chart.ok());
  auto deep = render(*chart, json::object(), {}, {}, nesting);
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.error().message.find("nesting") != std::string::npos);

  std::stop_source stop;
  stop.request_stop();
  Limits cancelled;
  cancelled.stop = stop.get_token();
  auto c = renderOne("{{ range until 100000 }}x{{ end }}", json::object(), cancelled);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message.find("cancelled") != std::string::npos);
}

TEST_CASE("a map that contains itself ends the render with an error where Go's fmt and deepCopy overflow the stack",
          "[template]") {
  for (const char* use : {"{{ $d }}", "{{ printf \"%v\" $d }}", "{{ deepCopy $d }}", "{{ $d | toString }}"}) {
    INFO(use);
    auto out = renderOne(std::string("{{ $d := dict }}{{ $_ := set $d \"a\" $d }}") + use);
    REQUIRE_FALSE(out.ok());
    CHECK_THAT(out.error().message, Catch::Contains("contains itself"));
  }
  // Referring to itself is fine as long as nothing walks it whole.
  auto ok = renderOne("{{ $d := dict \"x\" 1 }}{{ $_ := set $d \"a\" $d }}{{ $d.a.a.a.x }}");
  REQUIRE(ok.ok());
  CHECK(ok->at("c/templates/t.yaml") == "1");
}

TEST_CASE("one loaded chart renders from many threads at once with the same result", "[template]") {
  auto chart = Chart::load(chartFiles(
      "{{ $_ := set .Values \"seen\" .Release.Name }}{{ toYaml .Values }}\n{{ include \"h\" . }}",
      {{"templates/_h.tpl", "{{ define \"h\" }}{{ .Values.image.tag | upper }}{{ end }}"}}));
  REQUIRE(chart.ok());
  auto first = render(*chart, json{{"x", 1.5}}, ReleaseOptions{"r0", "ns"});
  REQUIRE(first.ok());
  std::vector<std::thread> threads;
  std::atomic<int> same{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 50; ++k) {
        auto out = render(*chart, json{{"x", 1.5}}, ReleaseOptions{"r0", "ns"});
        if (out.ok() && *out == *first) ++same;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(same == 200);
}

TEST_CASE("parseYaml reads like sigs.k8s.io/yaml: YAML 1.1 scalars, numbers as float64", "[template]") {
  auto v = parseYaml("a: yes\nb: 0777\nc: 1_000\nd: ~\ne: \"yes\"\nf: 1.5\non: x\n1: one\n");
  REQUIRE(v.ok());
  CHECK((*v)["a"] == true);
  CHECK((*v)["b"].is_number_float());
  CHECK((*v)["b"].get<double>() == 511);
  CHECK((*v)["c"].get<double>() == 1000);
  CHECK((*v)["d"].is_null());
  CHECK((*v)["e"] == "yes");
  CHECK((*v)["true"] == "x");
  CHECK((*v)["1"] == "one");
  CHECK_FALSE(parseYaml("a: .inf").ok());
  CHECK_FALSE(parseYaml("a: [").ok());
}

TEST_CASE("toYaml writes what Helm's toYaml writes", "[template]") {
  json v = {{"b", json::array({1.0, "yes", "", "a: b", "multi\nline\n"})}, {"a", {{"x10", 1.0}, {"x9", 2.0}}}, {"c", 1e6}};
  auto y = toYaml(v);
  REQUIRE(y.ok());
  CHECK(*y ==
        "a:\n  x9: 2\n  x10: 1\nb:\n- 1\n- \"yes\"\n- \"\"\n- 'a: b'\n- |\n  multi\n  line\nc: 1000000\n");
}
