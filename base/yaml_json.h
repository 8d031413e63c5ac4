#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

// Conversion between YAML text and the JSON object model. YAML is read once at the edge (files,
// profiles) and everything behind it works on nlohmann::json, the model Kubernetes speaks.
namespace iop::base {

// Parses every document of a YAML (or JSON, a YAML subset) text. Plain scalars become JSON
// booleans, integers, floats or null the way YAML 1.2's core schema reads them; quoted scalars
// stay strings. Throws std::runtime_error with the line and column of a syntax error.
std::vector<nlohmann::json> yamlDocumentsToJson(const std::string& text);

// Renders a JSON value as one YAML document (no leading "---"). Strings that YAML would read
// back as another type ("true", "1.0", "") are quoted, so a round trip keeps types.
std::string jsonToYaml(const nlohmann::json& value);

}  // namespace iop::base
