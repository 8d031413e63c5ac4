#pragma once

// Go's encoding/json for template values: Marshal (sorted map keys, HTML-safe escaping,
// float64 formatted as Go does, []byte as base64), MarshalIndent, and Unmarshal into
// interface{} (objects -> map[string]interface {}, arrays -> []interface {}, numbers ->
// float64) with Go's error texts.

#include <optional>
#include <string>
#include <string_view>

#include "template/value.h"

namespace iop::tmpl::detail {

struct JsonOptions {
  bool escapeHtml = true;
  std::string indent;  // empty: compact
};

// The encoding, or the error text ("json: unsupported value: NaN").
struct JsonResult {
  std::string text;
  std::string error;
  bool ok() const { return error.empty(); }
};
JsonResult marshalJson(const Val& v, const JsonOptions& opts = {});

struct JsonParse {
  Val value;
  std::string error;  // Go's error text; empty when ok
};
// json.Unmarshal(text, &interface{}).
JsonParse unmarshalJson(std::string_view text);

// strconv-level helper shared with YAML: Go's JSON number text of a float64 (no error handling).
std::string jsonFloat(double f);

}  // namespace iop::tmpl::detail
