#pragma once

// Helpers for the renderer's specifications: build a CR from YAML, render it, find objects.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reconcilers/render/render.h"

namespace iop::reconcilers::testing {

inline IstioOperator cr(const std::string& yaml) {
  auto parsed = composeIstioOperator({{"test.yaml", yaml}}, {}, *IstioManifests::compiledIn());
  INFO((parsed.errors.empty() ? std::string() : parsed.errors.front().str()));
  REQUIRE(parsed.ok());
  return *parsed.iop;
}

inline RenderResult renderYaml(const std::string& yaml) {
  RenderOptions options;
  options.iopVersion = "9.9.9";
  auto result = render(cr(yaml), options);
  INFO((result.errors.empty() ? std::string() : result.errors.front().str()));
  REQUIRE(result.ok());
  return result;
}

inline const nlohmann::json* findObject(const RenderResult& r, const std::string& kind,
                                        const std::string& name) {
  for (const auto& o : r.objects) {
    if (o.object.value("kind", "") == kind && o.object["metadata"].value("name", "") == name)
      return &o.object;
  }
  return nullptr;
}

inline const nlohmann::json& object(const RenderResult& r, const std::string& kind, const std::string& name) {
  const nlohmann::json* o = findObject(r, kind, name);
  INFO(kind + " " + name);
  REQUIRE(o != nullptr);
  return *o;
}

inline std::vector<std::string> names(const RenderResult& r, const std::string& kind) {
  std::vector<std::string> out;
  for (const auto& o : r.objects) {
    if (o.object.value("kind", "") == kind) out.push_back(o.object["metadata"]["name"].get<std::string>());
  }
  return out;
}

inline const nlohmann::json& container(const nlohmann::json& workload) {
  return workload["spec"]["template"]["spec"]["containers"][0];
}

inline std::vector<std::string> envNames(const nlohmann::json& c) {
  std::vector<std::string> out;
  for (const auto& e : c["env"]) out.push_back(e["name"].get<std::string>());
  return out;
}

}  // namespace iop::reconcilers::testing
