#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

// Generic operations on JSON trees with istioctl's semantics (operator/pkg/values). Pure
// functions over values; no shared state, safe from any thread.
namespace iop::reconcilers {

// istioctl's MergeFrom: maps merge key by key, recursively; anything else in `overlay` (scalars,
// lists, null) replaces the base value whole. Lists are NOT merged element-wise, so a CR's
// `ingressGateways` list replaces the profile's list.
void deepMerge(nlohmann::json& base, const nlohmann::json& overlay);

// Splits "a.b[0].c\.d.[name:x]" into {"a","b","[0]","c.d","[name:x]"} like istioctl's splitPath.
std::vector<std::string> splitPath(const std::string& path);

// Reads a path with "[N]" indexes and "[key:value]" list selectors. nullopt if absent.
std::optional<nlohmann::json> getPath(const nlohmann::json& root, const std::string& path);

// Writes a path creating missing maps (istioctl's SetPath). A "[key:value]" selector must match
// an existing element; an index past the end appends. Returns an error message on failure.
std::optional<std::string> setPath(nlohmann::json& root, const std::string& path, nlohmann::json value);

// Parses the value of a `--set path=value` flag the way istioctl does: int, float, bool, else
// a string (with "\," unescaped). Paths istioctl always treats as strings (tags, proxyMetadata)
// stay strings.
nlohmann::json parseSetValue(const std::string& path, const std::string& value);

// Whether `seg` is a list index "[N]" (N may be negative); sets `index`, saturated at
// kMaxListIndex. Linear in seg, whatever its length.
inline constexpr long kMaxListIndex = 1L << 40;
bool parseListIndex(const std::string& seg, long& index);

// Returns the value at path if it is a string, else `fallback`.
std::string getString(const nlohmann::json& root, const std::string& path, const std::string& fallback = "");
// Returns the value at path if it is a bool, else `fallback`.
bool getBool(const nlohmann::json& root, const std::string& path, bool fallback = false);

// The object under `key`, or a shared empty object when absent or not an object. The reference
// stays valid as long as `j` does (safe in range-for, unlike a temporary from json::value).
const nlohmann::json& objectAt(const nlohmann::json& j, const std::string& key);

// Go template truthiness as Helm charts use it: null, false, 0, "" and empty maps/lists are false.
bool truthy(const nlohmann::json& v);

// How an error message names what a field holds: "an object", "a list", "a string",
// "a boolean", "null", "a number".
std::string jsonTypeName(const nlohmann::json& v);
// Renders a scalar as Helm's `{{ value }}` would print it (numbers without quotes, strings raw).
std::string scalarText(const nlohmann::json& v);

}  // namespace iop::reconcilers
