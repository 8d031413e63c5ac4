#include "template/strconv.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "template/go_fmt.h"

namespace iop::tmpl::detail {

namespace {

char lower(char c) { return static_cast<char>(c | ('x' - 'X')); }

int unhex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// strconv.UnquoteChar: decodes one character or escape from s; advances s. False on syntax error.
bool unquoteChar(std::string_view& s, char quote, char32_t& value, bool& multibyte) {
  multibyte = false;
  char c = s[0];
  if (c == quote && (quote == '\'' || quote == '"')) return false;
  if (static_cast<unsigned char>(c) >= 0x80) {
    Rune r = decodeRune(s, 0);
    value = r.r;
    multibyte = true;
    s.remove_prefix(static_cast<std::size_t>(r.width));
    return true;
  }
  if (c != '\\') {
    value = static_cast<unsigned char>(c);
    s.remove_prefix(1);
    return true;
  }
  if (s.size() <= 1) return false;
  char e = s[1];
  s.remove_prefix(2);
  switch (e) {
    case 'a':
      value = '\a';
      return true;
    case 'b':
      value = '\b';
      return true;
    case 'f':
      value = '\f';
      return true;
    case 'n':
      value = '\n';
      return true;
    case 'r':
      value = '\r';
      return true;
    case 't':
      value = '\t';
      return true;
    case 'v':
      value = '\v';
      return true;
    case 'x':
    case 'u':
    case 'U': {
      std::size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (s.size() < n) return false;
      char32_t v = 0;
      for (std::size_t j = 0; j < n; ++j) {
        int x = unhex(s[j]);
        if (x < 0) return false;
        v = (v << 4) | static_cast<char32_t>(x);
      }
      s.remove_prefix(n);
      if (e == 'x') {
        value = v;  // a single byte
        return true;
      }
      if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
      value = v;
      multibyte = true;
      return true;
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      char32_t v = static_cast<char32_t>(e - '0');
      if (s.size() < 2) return false;
      for (int j = 0; j < 2; ++j) {
        int x = s[static_cast<std::size_t>(j)] - '0';
        if (x < 0 || x > 7) return false;
        v = (v << 3) | static_cast<char32_t>(x);
      }
      s.remove_prefix(2);
      if (v > 255) return false;
      value = v;
      return true;
    }
    case '\\':
      value = '\\';
      return true;
    case '\'':
    case '"':
      if (e != quote) return false;
      value = static_cast<unsigned char>(e);
      return true;
    default:
      return false;
  }
}

bool underscoreOK(std::string_view s) {
  char saw = '^';
  std::size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' && (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = lower(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    if ((s[i] >= '0' && s[i] <= '9') || (hex && lower(s[i]) >= 'a' && lower(s[i]) <= 'f')) {
      saw = '0';
      continue;
    }
    if (s[i] == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

}  // namespace

std::optional<std::string> unquoteGo(std::string_view in) {
  if (in.size() < 2) return std::nullopt;
  char quote = in.front();
  if (quote != in.back()) return std::nullopt;
  std::string_view s = in.substr(1, in.size() - 2);
  if (quote == '`') {
    if (s.find('`') != std::string_view::npos) return std::nullopt;
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
      if (c != '\r') out.push_back(c);
    }
    return out;
  }
  if (quote != '"' && quote != '\'') return std::nullopt;
  if (s.find('\n') != std::string_view::npos) return std::nullopt;
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    char32_t v;
    bool mb;
    if (!unquoteChar(s, quote, v, mb)) return std::nullopt;
    if (quote == '\'' && !s.empty()) return std::nullopt;
    if (v < 0x80 || !mb) {
      if (!mb && v < 256) {
        out.push_back(static_cast<char>(v));
        continue;
      }
    }
    appendRune(out, v);
  }
  return out;
}

CharConstant unquoteCharConstant(std::string_view text) {
  CharConstant c;
  std::string_view s = text.substr(1);
  if (s.empty()) {
    c.error = "invalid syntax";
    return c;
  }
  bool mb;
  if (!unquoteChar(s, '\'', c.value, mb)) {
    c.error = "invalid syntax";
    return c;
  }
  if (s != "'") c.error = "malformed character constant: " + std::string(text);
  return c;
}

std::optional<std::uint64_t> parseUintGo(std::string_view s0, int base) {
  std::string_view s = s0;
  if (s.empty()) return std::nullopt;
  bool base0 = base == 0;
  if (base == 0) {
    base = 10;
    if (s[0] == '0') {
      if (s.size() >= 3 && lower(s[1]) == 'b') {
        base = 2;
        s.remove_prefix(2);
      } else if (s.size() >= 3 && lower(s[1]) == 'o') {
        base = 8;
        s.remove_prefix(2);
      } else if (s.size() >= 3 && lower(s[1]) == 'x') {
        base = 16;
        s.remove_prefix(2);
      } else {
        base = 8;
        s.remove_prefix(1);
      }
    }
  }
  if (base < 2 || base > 36) return std::nullopt;
  bool underscores = false;
  std::uint64_t n = 0;
  std::uint64_t cutoff = UINT64_MAX / static_cast<std::uint64_t>(base) + 1;
  for (char c : s) {
    int d;
    if (c == '_' && base0) {
      underscores = true;
      continue;
    } else if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (lower(c) >= 'a' && lower(c) <= 'z') {
      d = lower(c) - 'a' + 10;
    } else {
      return std::nullopt;
    }
    if (d >= base) return std::nullopt;
    if (n >= cutoff) return std::nullopt;
    n *= static_cast<std::uint64_t>(base);
    std::uint64_t n1 = n + static_cast<std::uint64_t>(d);
    if (n1 < n) return std::nullopt;
    n = n1;
  }
  if (underscores && !underscoreOK(s0)) return std::nullopt;
  return n;
}

std::optional<std::int64_t> parseIntGo(std::string_view s, int base) {
  if (s.empty()) return std::nullopt;
  bool neg = false;
  std::string_view body = s;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    body = s.substr(1);
  }
  auto u = parseUintGo(body, base);
  if (!u) return std::nullopt;
  if (!neg && *u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  if (neg && *u > static_cast<std::uint64_t>(INT64_MAX) + 1) return std::nullopt;
  if (neg) return static_cast<std::int64_t>(0 - *u);
  return static_cast<std::int64_t>(*u);
}

std::optional<double> parseFloatGo(std::string_view s0) {
  std::string_view s = s0;
  if (s.empty()) return std::nullopt;
  // Special values: [+-]inf, infinity, nan (case-insensitive).
  {
    std::string_view t = s;
    bool neg = false;
    if (t[0] == '+' || t[0] == '-') {
      neg = t[0] == '-';
      t.remove_prefix(1);
    }
    std::string l;
    for (char c : t) l.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
    if (l == "inf" || l == "infinity") return neg ? -HUGE_VAL : HUGE_VAL;
    if (l == "nan" && t.size() == s.size()) return std::nan("");
  }
  std::string clean;
  bool underscores = false;
  bool hex = false, sawP = false, sawDigit = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_') {
      underscores = true;
      continue;
    }
    if (i == 0 && (c == '+' || c == '-')) {
      clean.push_back(c);
      continue;
    }
    bool atStart = clean.empty() || clean == "+" || clean == "-";
    if (atStart && c == '0' && i + 1 < s.size() && lower(s[i + 1]) == 'x') {
      hex = true;
      clean += "0x";
      ++i;
      continue;
    }
    if (hex && lower(c) == 'p') sawP = true;
    if ((c >= '0' && c <= '9') || (hex && unhex(c) >= 0 && !sawP)) sawDigit = true;
    bool ok = (c >= '0' && c <= '9') || c == '.' || (hex && (unhex(c) >= 0 || lower(c) == 'p')) ||
              (!hex && lower(c) == 'e') || c == '+' || c == '-';
    if (!ok) return std::nullopt;
    clean.push_back(c);
  }
  if (!sawDigit) return std::nullopt;
  if (hex && !sawP) return std::nullopt;
  if (underscores && !underscoreOK(s0)) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) return std::nullopt;
  if (std::isinf(v)) return std::nullopt;  // out of range
  return v;
}

}  // namespace iop::tmpl::detail
