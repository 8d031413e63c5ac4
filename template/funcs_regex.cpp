// Sprig's regular expression functions over RE2 (Go's regexp is RE2 syntax and semantics:
// leftmost-first matching, no backtracking). The loops over successive matches, the handling of
// empty matches and the $-expansion of replacements follow Go's regexp package.

#include <re2/re2.h>

#include "template/funcs.h"
#include "template/funcs_util.h"
#include "template/go_fmt.h"

namespace iop::tmpl::detail {

namespace {

using Args = std::vector<Val>;

std::string codeText(RE2::ErrorCode c) {
  switch (c) {
    case RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case RE2::ErrorBadCharClass:
      return "invalid character class";
    case RE2::ErrorBadCharRange:
      return "invalid character class range";
    case RE2::ErrorMissingBracket:
      return "missing closing ]";
    case RE2::ErrorMissingParen:
      return "missing closing )";
    case RE2::ErrorUnexpectedParen:
      return "unexpected )";
    case RE2::ErrorTrailingBackslash:
      return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument:
      return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize:
      return "invalid repeat count";
    case RE2::ErrorRepeatOp:
      return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp:
      return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture:
      return "invalid named capture";
    default:
      return "internal error";
  }
}

struct Compiled {
  std::unique_ptr<RE2> re;
  std::string error;  // Go's text: "error parsing regexp: ...: `...`"
};

Compiled compile(const std::string& pattern) {
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_encoding(RE2::Options::EncodingUTF8);
  opts.set_max_mem(64 << 20);
  auto re = std::make_unique<RE2>(pattern, opts);
  if (!re->ok()) {
    std::string arg = re->error_arg();
    if (re->error_code() == RE2::ErrorMissingParen || re->error_code() == RE2::ErrorUnexpectedParen) arg = pattern;
    return {nullptr, "error parsing regexp: " + codeText(re->error_code()) + ": `" + arg + "`"};
  }
  return {std::move(re), ""};
}

// regexp.MustCompile's panic text.
const RE2& mustCompile(Compiled& c, const std::string& pattern) {
  if (!c.re) throwFuncError("regexp: Compile(" + quoteGo(pattern) + "): " + c.error);
  return *c.re;
}

const RE2& orError(Compiled& c) {
  if (!c.re) throwFuncError(c.error);
  return *c.re;
}

// Go's allMatches: successive non-overlapping matches (group 0 and submatches as offsets).
std::vector<std::vector<re2::StringPiece>> allMatches(const RE2& re, const std::string& s, std::int64_t n) {
  std::vector<std::vector<re2::StringPiece>> out;
  if (n < 0) n = static_cast<std::int64_t>(s.size()) + 1;
  int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> m(static_cast<std::size_t>(ngroups));
  std::size_t pos = 0;
  std::ptrdiff_t prevMatchEnd = -1;
  re2::StringPiece text(s);
  for (std::int64_t i = 0; i < n && pos <= s.size();) {
    if (!re.Match(text, pos, s.size(), RE2::UNANCHORED, m.data(), ngroups)) break;
    auto start = static_cast<std::size_t>(m[0].data() - s.data());
    std::size_t end = start + m[0].size();
    bool accept = true;
    if (end == pos) {
      if (static_cast<std::ptrdiff_t>(start) == prevMatchEnd) accept = false;
      if (pos < s.size()) {
        pos += static_cast<std::size_t>(decodeRune(s, pos).width);
      } else {
        pos = s.size() + 1;
      }
    } else {
      pos = end;
    }
    prevMatchEnd = static_cast<std::ptrdiff_t>(end);
    if (accept) {
      out.push_back(m);
      ++i;
    }
  }
  return out;
}

// Regexp.expand: $1, ${1}, $name, ${name}, $$.
void expand(std::string& dst, const std::string& tmpl, const std::string& src, const std::vector<re2::StringPiece>& m,
            const RE2& re) {
  const auto& names = re.NamedCapturingGroups();
  auto group = [&](const std::string& name) -> std::string {
    bool numeric = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
    int idx = -1;
    if (numeric) {
      if (name.size() < 10) idx = std::stoi(name);
    } else {
      auto it = names.find(name);
      if (it != names.end()) idx = it->second;
    }
    if (idx < 0 || static_cast<std::size_t>(idx) >= m.size() || m[static_cast<std::size_t>(idx)].data() == nullptr) {
      return "";
    }
    return std::string(m[static_cast<std::size_t>(idx)].data(), m[static_cast<std::size_t>(idx)].size());
  };
  (void)src;
  for (std::size_t i = 0; i < tmpl.size();) {
    std::size_t d = tmpl.find('$', i);
    if (d == std::string::npos) {
      dst.append(tmpl, i, std::string::npos);
      break;
    }
    dst.append(tmpl, i, d - i);
    i = d + 1;
    if (i < tmpl.size() && tmpl[i] == '$') {
      dst.push_back('$');
      ++i;
      continue;
    }
    // extract: name is [A-Za-z0-9_]+, optionally in braces.
    bool brace = i < tmpl.size() && tmpl[i] == '{';
    std::size_t j = brace ? i + 1 : i;
    std::size_t k = j;
    while (k < tmpl.size()) {
      Rune r = decodeRune(tmpl, k);
      if (!(r.r == '_' || isLetterRune(r.r) || isDigitRune(r.r))) break;
      k += static_cast<std::size_t>(r.width);
    }
    if (k == j || (brace && (k >= tmpl.size() || tmpl[k] != '}'))) {
      dst.push_back('$');  // malformed: the $ is literal
      continue;
    }
    dst += group(tmpl.substr(j, k - j));
    i = brace ? k + 1 : k;
  }
}

std::string replaceAll(const RE2& re, const std::string& src, const std::string& repl, bool literal) {
  std::string buf;
  std::size_t lastMatchEnd = 0, searchPos = 0;
  int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> m(static_cast<std::size_t>(ngroups));
  re2::StringPiece text(src);
  while (searchPos <= src.size()) {
    if (!re.Match(text, searchPos, src.size(), RE2::UNANCHORED, m.data(), ngroups)) break;
    auto a0 = static_cast<std::size_t>(m[0].data() - src.data());
    std::size_t a1 = a0 + m[0].size();
    buf.append(src, lastMatchEnd, a0 - lastMatchEnd);
    if (a1 > lastMatchEnd || a0 == 0) {
      if (literal) {
        buf += repl;
      } else {
        expand(buf, repl, src, m, re);
      }
    }
    lastMatchEnd = a1;
    std::size_t width = searchPos < src.size() ? static_cast<std::size_t>(decodeRune(src, searchPos).width) : 0;
    if (searchPos + width > a1) {
      searchPos += width;
    } else if (searchPos + 1 > a1) {
      ++searchPos;
    } else {
      searchPos = a1;
    }
  }
  buf.append(src, lastMatchEnd, std::string::npos);
  return buf;
}

std::vector<std::string> split(const RE2& re, const std::string& pattern, const std::string& s, std::int64_t n) {
  std::vector<std::string> out;
  if (n == 0) return out;
  if (!pattern.empty() && s.empty()) return {""};
  auto matches = allMatches(re, s, n);
  std::size_t beg = 0, end = 0;
  for (const auto& m : matches) {
    if (n > 0 && static_cast<std::int64_t>(out.size()) == n - 1) break;
    end = static_cast<std::size_t>(m[0].data() - s.data());
    std::size_t mend = end + m[0].size();
    if (mend != 0) out.push_back(s.substr(beg, end - beg));
    beg = mend;
  }
  if (end != s.size()) out.push_back(s.substr(beg));
  return out;
}

std::string quoteMeta(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::vector<std::string> findAll(const RE2& re, const std::string& s, std::int64_t n) {
  std::vector<std::string> out;
  for (const auto& m : allMatches(re, s, n)) out.emplace_back(m[0].data(), m[0].size());
  return out;
}

std::string find(const RE2& re, const std::string& s) {
  re2::StringPiece m;
  if (!re.Match(s, 0, s.size(), RE2::UNANCHORED, &m, 1)) return "";
  return std::string(m.data(), m.size());
}

}  // namespace

void addRegexFuncs(FuncTable& t) {
  using P = Param;
  def(t, "regexMatch", {P::String, P::String}, Ret::Concrete, [](CallContext&, Args& a) {
    auto c = compile(a[0].s());
    return Val::boolean(c.re && RE2::PartialMatch(a[1].s(), *c.re));
  });
  def(t, "mustRegexMatch", {P::String, P::String}, Ret::Concrete, [](CallContext&, Args& a) {
    auto c = compile(a[0].s());
    return Val::boolean(RE2::PartialMatch(a[1].s(), orError(c)));
  });
  def(t, "regexFindAll", {P::String, P::String, P::Int}, Ret::Concrete, [](CallContext&, Args& a) {
    auto c = compile(a[0].s());
    return makeStringList(findAll(mustCompile(c, a[0].s()), a[1].s(), a[2].i()));
  });
  def(t, "mustRegexFindAll", {P::String, P::String, P::Int}, Ret::Concrete, [](CallContext&, Args& a) {
    auto c = compile(a[0].s());
    return makeStringList(findAll(orError(c), a[1].s(), a[2].i()));
  });
  def(t, "regexFind", {P::String, P::String}, Ret::Concrete, [](CallContext&, Args& a) {
    auto c = compile(a[0].s());
    return Val::string(find(mustCompile(c, a[0].s()), a[1].s()));
  });
  def(t, "mustRegexFind", {P::String, P::String}, Ret::Concrete, [](CallContext&, Args& a) {
    auto c = compile(a[0].s());
    return Val::string(find(orError(c), a[1].s()));
  });
  def(t, "regexReplaceAll", {P::String, P::String, P::String}, Ret::Concrete, [](CallContext&, Args& a) {
    auto c = compile(a[0].s());
    return Val::string(replaceAll(mustCompile(c, a[0].s()), a[1].s(), a[2].s(), false));
  });
  def(t, "mustRegexReplaceAll", {P::String, P::String, P::String}, Ret::Concrete, [](CallContext&, Args& a) {
    auto c = compile(a[0].s());
    return Val::string(replaceAll(orError(c), a[1].s(), a[2].s(), false));
  });
  def(t, "regexReplaceAllLiteral", {P::String, P::String, P::String}, Ret::Concrete, [](CallContext&, Args& a) {
    auto c = compile(a[0].s());
    return Val::string(replaceAll(mustCompile(c, a[0].s()), a[1].s(), a[2].s(), true));
  });
  def(t, "mustRegexReplaceAllLiteral", {P::String, P::String, P::String}, Ret::Concrete, [](CallContext&, Args& a) {
    auto c = compile(a[0].s());
    return Val::string(replaceAll(orError(c), a[1].s(), a[2].s(), true));
  });
  def(t, "regexSplit", {P::String, P::String, P::Int}, Ret::Concrete, [](CallContext&, Args& a) {
    auto c = compile(a[0].s());
    return makeStringList(split(mustCompile(c, a[0].s()), a[0].s(), a[1].s(), a[2].i()));
  });
  def(t, "mustRegexSplit", {P::String, P::String, P::Int}, Ret::Concrete, [](CallContext&, Args& a) {
    auto c = compile(a[0].s());
    return makeStringList(split(orError(c), a[0].s(), a[1].s(), a[2].i()));
  });
  def(t, "regexQuoteMeta", {P::String}, Ret::Concrete,
      [](CallContext&, Args& a) { return Val::string(quoteMeta(a[0].s())); });
}

}  // namespace iop::tmpl::detail
