#pragma once

// Go's strconv parsing as templates and the functions they call rely on it: Unquote (string
// literals in templates), ParseInt/ParseUint with base 0 (0x, 0o, 0b, leading-0 octal,
// underscores) and ParseFloat.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace iop::tmpl::detail {

// strconv.Unquote for "..." and `...` literals; nullopt on invalid syntax.
std::optional<std::string> unquoteGo(std::string_view quoted);

// A character constant 'x' (with Go's escapes); the error text on failure.
struct CharConstant {
  char32_t value = 0;
  std::string error;  // empty when ok
  explicit operator bool() const { return error.empty(); }
  char32_t operator*() const { return value; }
};
CharConstant unquoteCharConstant(std::string_view text);

// strconv.ParseInt(s, base, 64) / ParseUint(s, base, 64); nullopt on syntax or range error.
std::optional<std::int64_t> parseIntGo(std::string_view s, int base);
std::optional<std::uint64_t> parseUintGo(std::string_view s, int base);
// strconv.ParseFloat(s, 64); nullopt on syntax or range (overflow) error.
std::optional<double> parseFloatGo(std::string_view s);

}  // namespace iop::tmpl::detail
