#include "template/yaml_resolve.h"

#include <charconv>
#include <cmath>

#include "template/go_fmt.h"
#include "template/strconv.h"

namespace iop::tmpl::detail {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool yamlStyleFloat(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t d = i;
    while (i < s.size() && isDigit(s[i])) ++i;
    if (i == d) return false;
  } else {
    std::size_t d = i;
    while (i < s.size() && isDigit(s[i])) ++i;
    if (i == d) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && isDigit(s[i])) ++i;
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t d = i;
    while (i < s.size() && isDigit(s[i])) ++i;
    if (i == d) return false;
  }
  return i == s.size();
}

// Reads 1-2 digits (Go's getnum with fixed=false); returns false if none.
bool num12(std::string_view s, std::size_t& i, int& v) {
  if (i >= s.size() || !isDigit(s[i])) return false;
  v = s[i++] - '0';
  if (i < s.size() && isDigit(s[i])) v = v * 10 + (s[i++] - '0');
  return true;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool date(std::string_view s, std::size_t& i) {
  if (s.size() < 4) return false;
  int year = 0;
  for (int k = 0; k < 4; ++k) {
    if (!isDigit(s[i])) return false;
    year = year * 10 + (s[i++] - '0');
  }
  if (i >= s.size() || s[i] != '-') return false;
  ++i;
  int month, day;
  if (!num12(s, i, month) || month < 1 || month > 12) return false;
  if (i >= s.size() || s[i] != '-') return false;
  ++i;
  if (!num12(s, i, day)) return false;
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = days[month - 1] + (month == 2 && leap(year) ? 1 : 0);
  return day >= 1 && day <= max;
}

bool clock(std::string_view s, std::size_t& i) {
  int h, m, sec;
  if (!num12(s, i, h) || h > 23) return false;
  if (i >= s.size() || s[i] != ':') return false;
  ++i;
  if (!num12(s, i, m) || m > 59) return false;
  if (i >= s.size() || s[i] != ':') return false;
  ++i;
  if (!num12(s, i, sec) || sec > 59) return false;
  if (i < s.size() && (s[i] == '.' || s[i] == ',') && i + 1 < s.size() && isDigit(s[i + 1])) {
    ++i;
    while (i < s.size() && isDigit(s[i])) ++i;
  }
  return true;
}

// The layouts go-yaml v2 accepts as timestamps (allowedTimestampFormats).
bool parseTimestamp(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && isDigit(s[i])) ++i;
  if (i != 4 || i == s.size() || s[i] != '-') return false;
  i = 0;
  if (!date(s, i)) return false;
  if (i == s.size()) return true;
  char sep = s[i];
  if (sep != 'T' && sep != 't' && sep != ' ') return false;
  ++i;
  if (!clock(s, i)) return false;
  if (sep == ' ') return i == s.size();
  if (i < s.size() && s[i] == 'Z') return i + 1 == s.size();
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    ++i;
    int hh, mm;
    if (i + 5 != s.size() + 0 && i + 5 != s.size()) return false;
    if (!isDigit(s[i]) || !isDigit(s[i + 1]) || s[i + 2] != ':' || !isDigit(s[i + 3]) || !isDigit(s[i + 4])) {
      return false;
    }
    hh = (s[i] - '0') * 10 + (s[i + 1] - '0');
    mm = (s[i + 3] - '0') * 10 + (s[i + 4] - '0');
    return hh <= 24 && mm <= 60;
  }
  return false;
}

}  // namespace

Resolved resolvePlain(std::string_view in) {
  Resolved r;
  // resolveMap
  static const std::pair<std::string_view, int> kMap[] = {
      {"y", 1},      {"Y", 1},     {"yes", 1},    {"Yes", 1},    {"YES", 1},   {"true", 1},  {"True", 1},
      {"TRUE", 1},   {"on", 1},    {"On", 1},     {"ON", 1},     {"n", 0},     {"N", 0},     {"no", 0},
      {"No", 0},     {"NO", 0},    {"false", 0},  {"False", 0},  {"FALSE", 0}, {"off", 0},   {"Off", 0},
      {"OFF", 0},    {"", 2},      {"~", 2},      {"null", 2},   {"Null", 2},  {"NULL", 2},  {".nan", 3},
      {".NaN", 3},   {".NAN", 3},  {".inf", 4},   {".Inf", 4},   {".INF", 4},  {"+.inf", 4}, {"+.Inf", 4},
      {"+.INF", 4},  {"-.inf", 5}, {"-.Inf", 5},  {"-.INF", 5},  {"<<", 6},
  };
  for (const auto& [k, v] : kMap) {
    if (k != in) continue;
    switch (v) {
      case 0:
      case 1:
        r.tag = YamlTag::Bool;
        r.b = v == 1;
        return r;
      case 2:
        r.tag = YamlTag::Null;
        return r;
      case 3:
        r.tag = YamlTag::Float;
        r.f = std::nan("");
        return r;
      case 4:
        r.tag = YamlTag::Float;
        r.f = HUGE_VAL;
        return r;
      case 5:
        r.tag = YamlTag::Float;
        r.f = -HUGE_VAL;
        return r;
      default:
        r.tag = YamlTag::Merge;
        return r;
    }
  }
  char c = in[0];
  if (c == '.') {
    if (auto f = parseFloatGo(in)) {
      r.tag = YamlTag::Float;
      r.f = *f;
    }
    return r;
  }
  bool digit = isDigit(c), sign = c == '+' || c == '-';
  if (!digit && !sign) return r;  // 'M' (letters of the map) and anything else: a string
  if (parseTimestamp(in)) {
    r.tag = YamlTag::Timestamp;
    return r;
  }
  std::string plain;
  for (char ch : in) {
    if (ch != '_') plain.push_back(ch);
  }
  if (auto i = parseIntGo(plain, 0)) {
    r.tag = YamlTag::Int;
    r.i = *i;
    return r;
  }
  if (auto u = parseUintGo(plain, 0)) {
    r.tag = YamlTag::Uint;
    r.u = *u;
    return r;
  }
  if (yamlStyleFloat(plain)) {
    if (auto f = parseFloatGo(plain)) {
      r.tag = YamlTag::Float;
      r.f = *f;
      return r;
    }
  }
  if (plain.starts_with("0b")) {
    if (auto i = parseIntGo(plain.substr(2), 2)) {
      r.tag = YamlTag::Int;
      r.i = *i;
      return r;
    }
    if (auto u = parseUintGo(plain.substr(2), 2)) {
      r.tag = YamlTag::Uint;
      r.u = *u;
      return r;
    }
  } else if (plain.starts_with("-0b")) {
    if (auto i = parseIntGo("-" + plain.substr(3), 2)) {
      r.tag = YamlTag::Int;
      r.i = *i;
      return r;
    }
  }
  return r;
}

bool isBase60Float(std::string_view s) {
  if (s.empty()) return false;
  char c = s[0];
  if (!(c == '+' || c == '-' || isDigit(c)) || s.find(':') == std::string_view::npos) return false;
  // ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
  std::size_t i = 0;
  if (s[i] == '+' || s[i] == '-') ++i;
  if (i >= s.size() || !isDigit(s[i])) return false;
  ++i;
  while (i < s.size() && (isDigit(s[i]) || s[i] == '_')) ++i;
  int groups = 0;
  while (i < s.size() && s[i] == ':') {
    ++i;
    // [0-5]?[0-9]: one digit, or two digits with the first 0-5.
    if (i < s.size() && isDigit(s[i])) {
      if (i + 1 < s.size() && isDigit(s[i + 1]) && s[i] <= '5') {
        i += 2;
      } else {
        ++i;
      }
    } else {
      return false;
    }
    ++groups;
  }
  if (groups == 0) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && (isDigit(s[i]) || s[i] == '_')) ++i;
  }
  return i == s.size();
}

std::string formatFloat32g(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  float x = static_cast<float>(f);
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  // Re-use the float64 formatter on the shortest float32 digits: parse them back as a double
  // whose shortest form has the same digits.
  double d = std::strtod(sci.c_str(), nullptr);
  return formatFloat(d, 'g', -1);
}

}  // namespace iop::tmpl::detail
