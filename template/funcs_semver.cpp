// semverCompare (Masterminds/semver v3 constraints): comparison operators, ~ and ^ ranges,
// x-ranges, hyphen ranges, AND (',' or space) and OR ('||') groups, with semver's rule that a
// prerelease version only satisfies constraints that carry a prerelease themselves.

#include <optional>

#include "template/funcs.h"
#include "template/funcs_util.h"

namespace iop::tmpl::detail {

namespace {

using Args = std::vector<Val>;

struct Version {
  std::uint64_t major = 0, minor = 0, patch = 0;
  std::string pre;
};

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// semver.NewVersion (loose: "v1", "1.2", leading v, build metadata ignored for ordering).
std::optional<Version> parseVersion(std::string_view s) {
  if (!s.empty() && (s[0] == 'v' || s[0] == 'V')) s.remove_prefix(1);
  auto plus = s.find('+');
  if (plus != std::string_view::npos) s = s.substr(0, plus);
  Version v;
  auto dash = s.find('-');
  if (dash != std::string_view::npos) {
    v.pre = std::string(s.substr(dash + 1));
    if (v.pre.empty()) return std::nullopt;
    s = s.substr(0, dash);
  }
  std::uint64_t* parts[] = {&v.major, &v.minor, &v.patch};
  for (int i = 0; i < 3; ++i) {
    if (s.empty()) {
      if (i == 0) return std::nullopt;
      break;
    }
    auto dot = s.find('.');
    std::string_view p = s.substr(0, dot);
    if (!digits(p) || p.size() > 19) return std::nullopt;
    if (p.size() > 1 && p[0] == '0') return std::nullopt;
    *parts[i] = std::stoull(std::string(p));
    if (dot == std::string_view::npos) {
      s = {};
    } else {
      s = s.substr(dot + 1);
      if (s.empty() || i == 2) return std::nullopt;
    }
  }
  return v;
}

int comparePre(const std::string& a, const std::string& b) {
  if (a == b) return 0;
  if (a.empty()) return 1;
  if (b.empty()) return -1;
  std::size_t i = 0, j = 0;
  for (;;) {
    auto ea = a.find('.', i), eb = b.find('.', j);
    std::string pa = a.substr(i, ea - i), pb = b.substr(j, eb - j);
    if (pa != pb) {
      bool da = digits(pa), db = digits(pb);
      if (da && db) return std::stoull(pa) < std::stoull(pb) ? -1 : 1;
      if (da) return -1;
      if (db) return 1;
      return pa < pb ? -1 : 1;
    }
    if (ea == std::string::npos || eb == std::string::npos) {
      if (ea == eb) return 0;
      return ea == std::string::npos ? -1 : 1;
    }
    i = ea + 1;
    j = eb + 1;
  }
}

int compare(const Version& a, const Version& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  return comparePre(a.pre, b.pre);
}

struct Constraint {
  std::string op;
  Version v;
  int wild = 3;  // how many leading parts are given (x/* parts are dropped)
  bool any = false;
};

std::optional<Constraint> parseConstraint(std::string s) {
  Constraint c;
  std::size_t i = 0;
  while (i < s.size() && std::string_view("<>=!~^").find(s[i]) != std::string_view::npos) ++i;
  c.op = s.substr(0, i);
  std::string rest = s.substr(i);
  while (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
  if (rest.empty()) return std::nullopt;
  if (rest == "*" || rest == "x" || rest == "X") {
    c.any = true;
    c.wild = 0;
    return c;
  }
  std::string core = rest;
  std::string suffix;
  auto ds = core.find_first_of("-+");
  if (ds != std::string::npos) {
    suffix = core.substr(ds);
    core = core.substr(0, ds);
  }
  if (!core.empty() && (core[0] == 'v' || core[0] == 'V')) core.erase(0, 1);
  std::vector<std::string> parts;
  std::size_t p = 0;
  for (;;) {
    auto d = core.find('.', p);
    parts.push_back(core.substr(p, d - p));
    if (d == std::string::npos) break;
    p = d + 1;
  }
  if (parts.size() > 3) return std::nullopt;
  c.wild = 0;
  std::string norm;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (parts[k] == "x" || parts[k] == "X" || parts[k] == "*") break;
    if (!digits(parts[k])) return std::nullopt;
    ++c.wild;
  }
  for (int k = 0; k < 3; ++k) {
    if (k > 0) norm += ".";
    norm += k < c.wild ? parts[static_cast<std::size_t>(k)] : "0";
  }
  auto v = parseVersion(norm + (c.wild == 3 ? suffix : ""));
  if (!v) return std::nullopt;
  c.v = *v;
  return c;
}

bool check(const Constraint& c, const Version& v, bool includePre) {
  if (!v.pre.empty() && !includePre) return false;
  if (c.any) return c.op.empty() || c.op == "=" || c.op == ">=" || c.op == "<=" || c.op == "~" || c.op == "^";
  int cmp = compare(v, c.v);
  auto upper = [&](int level) {
    Version u = c.v;
    u.pre.clear();
    if (level == 0) {
      u.major += 1;
      u.minor = u.patch = 0;
    } else if (level == 1) {
      u.minor += 1;
      u.patch = 0;
    } else {
      u.patch += 1;
    }
    return u;
  };
  if (c.op.empty() || c.op == "=") {
    if (c.wild < 3) return cmp >= 0 && compare(v, upper(c.wild == 0 ? -1 : c.wild - 1)) < 0;
    return cmp == 0;
  }
  if (c.op == "!=") {
    if (c.wild < 3) return !(cmp >= 0 && compare(v, upper(c.wild - 1)) < 0);
    return cmp != 0;
  }
  if (c.op == ">") {
    if (c.wild < 3) return compare(v, upper(c.wild - 1)) >= 0;
    return cmp > 0;
  }
  if (c.op == "<") return cmp < 0;
  if (c.op == ">=" || c.op == "=>") return cmp >= 0;
  if (c.op == "<=" || c.op == "=<") {
    if (c.wild < 3) return compare(v, upper(c.wild - 1)) < 0;
    return cmp <= 0;
  }
  if (c.op == "~" || c.op == "~>") {
    if (cmp < 0) return false;
    return compare(v, upper(c.wild <= 1 ? 0 : 1)) < 0;
  }
  if (c.op == "^") {
    if (cmp < 0) return false;
    if (c.v.major > 0 || c.wild <= 1) return compare(v, upper(0)) < 0;
    if (c.v.minor > 0 || c.wild == 2) return compare(v, upper(1)) < 0;
    return compare(v, upper(2)) < 0;
  }
  return false;
}

std::string trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

bool satisfies(const std::string& constraint, const Version& v) {
  std::size_t start = 0;
  for (;;) {
    auto bar = constraint.find("||", start);
    std::string group = trim(constraint.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    // Hyphen range "a - b".
    auto hy = group.find(" - ");
    bool ok = true;
    if (hy != std::string::npos) {
      auto lo = parseConstraint(">=" + trim(group.substr(0, hy)));
      auto hi = parseConstraint("<=" + trim(group.substr(hy + 3)));
      if (!lo || !hi) throwFuncError("improper constraint: " + constraint);
      bool pre = !lo->v.pre.empty() || !hi->v.pre.empty();
      ok = check(*lo, v, pre) && check(*hi, v, pre);
    } else {
      // AND-ed terms separated by commas or spaces (an operator may be followed by a space).
      std::vector<std::string> terms;
      std::string cur;
      for (std::size_t i = 0; i < group.size(); ++i) {
        char c = group[i];
        if (c == ',' || (c == ' ' && !cur.empty() && std::string_view("<>=!~^").find(cur.back()) == std::string_view::npos)) {
          if (!trim(cur).empty()) terms.push_back(trim(cur));
          cur.clear();
        } else if (!(c == ' ' && cur.empty())) {
          cur.push_back(c);
        }
      }
      if (!trim(cur).empty()) terms.push_back(trim(cur));
      if (terms.empty()) throwFuncError("improper constraint: " + constraint);
      // A prerelease version can satisfy an AND group only if one of its terms has a prerelease.
      std::vector<Constraint> parsed;
      bool pre = false;
      for (const auto& term : terms) {
        auto c = parseConstraint(term);
        if (!c) throwFuncError("improper constraint: " + constraint);
        pre = pre || !c->v.pre.empty();
        parsed.push_back(*c);
      }
      for (const auto& c : parsed) ok = ok && check(c, v, pre);
    }
    if (ok) return true;
    if (bar == std::string::npos) return false;
    start = bar + 2;
  }
}

}  // namespace

void addSemverFuncs(FuncTable& t) {
  def(t, "semverCompare", {Param::String, Param::String}, Ret::Concrete, [](CallContext&, Args& a) {
    auto v = parseVersion(a[1].s());
    // The constraint is parsed first in Go; both errors abort.
    satisfies(a[0].s(), Version{});
    if (!v) throwFuncError("Invalid Semantic Version");
    return Val::boolean(satisfies(a[0].s(), *v));
  });
}

}  // namespace iop::tmpl::detail
