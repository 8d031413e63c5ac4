// Sprig's string functions (strings.go and the Go strings functions sprig maps directly).

#include "template/exec.h"
#include "template/funcs.h"
#include "template/funcs_util.h"
#include "template/go_fmt.h"
#include "template/object.h"

namespace iop::tmpl::detail {

namespace {

using Args = std::vector<Val>;

std::string sliceBoundsPanic(const std::string& what) { return "runtime error: slice bounds out of range " + what; }

// Functions whose output can be far larger than their input check it against the render's
// output bound before allocating.
void checkSize(CallContext& ctx, double bytes) {
  if (bytes > static_cast<double>(ctx.renderer().limits().maxOutputBytes)) {
    ctx.renderer().exceeded("a function result would exceed " +
                            std::to_string(ctx.renderer().limits().maxOutputBytes) + " bytes");
  }
}

std::string repeat(CallContext& ctx, const std::string& s, std::int64_t count) {
  if (count < 0) throwFuncError("strings: negative Repeat count");
  checkSize(ctx, static_cast<double>(count) * static_cast<double>(s.size()));
  std::string out;
  out.reserve(s.size() * static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) out += s;
  return out;
}

std::string replaceAll(CallContext& ctx, const std::string& s, const std::string& old, const std::string& repl) {
  std::string out;
  if (old.empty()) {
    checkSize(ctx, static_cast<double>(s.size() + 1) * static_cast<double>(repl.size() + 4));
    out += repl;
    for (std::size_t i = 0; i < s.size();) {
      Rune r = decodeRune(s, i);
      out.append(s, i, static_cast<std::size_t>(r.width));
      out += repl;
      i += static_cast<std::size_t>(r.width);
    }
    return out;
  }
  std::size_t count = 0;
  for (std::size_t p = s.find(old); p != std::string::npos; p = s.find(old, p + old.size())) ++count;
  checkSize(ctx, static_cast<double>(s.size()) + static_cast<double>(count) * static_cast<double>(repl.size()));
  std::size_t start = 0;
  for (std::size_t p = s.find(old); p != std::string::npos; p = s.find(old, start)) {
    out.append(s, start, p - start);
    out += repl;
    start = p + old.size();
  }
  out.append(s, start);
  return out;
}

std::string trimSpace(const std::string& s) {
  std::size_t start = 0;
  while (start < s.size()) {
    Rune r = decodeRune(s, start);
    if (!isSpaceRune(r.r) || (r.r == 0xFFFD && r.width == 1)) break;
    start += static_cast<std::size_t>(r.width);
  }
  std::size_t end = s.size();
  while (end > start) {
    std::size_t b = end - 1;
    while (b > start && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80 && end - b < 4) --b;
    Rune r = decodeRune(s, b);
    if (b + static_cast<std::size_t>(r.width) != end) {
      r = {0xFFFD, 1};
      b = end - 1;
    }
    if (!isSpaceRune(r.r) || (r.r == 0xFFFD && r.width == 1)) break;
    end = b;
  }
  return s.substr(start, end - start);
}

// strings.Trim(s, cutset): runes of cutset removed from both ends.
std::string trimCutset(const std::string& s, const std::string& cutset) {
  if (s.empty() || cutset.empty()) return s;
  std::vector<char32_t> cut;
  for (std::size_t i = 0; i < cutset.size();) {
    Rune r = decodeRune(cutset, i);
    cut.push_back(r.r);
    i += static_cast<std::size_t>(r.width);
  }
  auto inCut = [&](char32_t r) { return std::find(cut.begin(), cut.end(), r) != cut.end(); };
  std::size_t start = 0;
  while (start < s.size()) {
    Rune r = decodeRune(s, start);
    if (!inCut(r.r)) break;
    start += static_cast<std::size_t>(r.width);
  }
  std::size_t end = s.size();
  while (end > start) {
    std::size_t b = end - 1;
    while (b > start && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80 && end - b < 4) --b;
    Rune r = decodeRune(s, b);
    if (b + static_cast<std::size_t>(r.width) != end) {
      r = {0xFFFD, 1};
      b = end - 1;
    }
    if (!inCut(r.r)) break;
    end = b;
  }
  return s.substr(start, end - start);
}

std::vector<std::string> splitGo(const std::string& s, const std::string& sep, std::int64_t n) {
  std::vector<std::string> out;
  if (n == 0) return out;
  if (sep.empty()) {
    for (std::size_t i = 0; i < s.size();) {
      if (n > 0 && static_cast<std::int64_t>(out.size()) == n - 1) {
        out.push_back(s.substr(i));
        return out;
      }
      Rune r = decodeRune(s, i);
      out.push_back(s.substr(i, static_cast<std::size_t>(r.width)));
      i += static_cast<std::size_t>(r.width);
    }
    return out;
  }
  std::size_t start = 0;
  while (n < 0 || static_cast<std::int64_t>(out.size()) < n - 1) {
    auto p = s.find(sep, start);
    if (p == std::string::npos) break;
    out.push_back(s.substr(start, p - start));
    start = p + sep.size();
  }
  out.push_back(s.substr(start));
  return out;
}

Val splitMap(const std::vector<std::string>& parts) {
  auto m = std::make_shared<MapObj>();
  for (std::size_t i = 0; i < parts.size(); ++i) m->set("_" + std::to_string(i), Val::string(parts[i]));
  return Val::fromMap(Type::StringMap, std::move(m));
}

std::string asciiMap(const std::string& s, int (*f)(int)) {
  std::string out = s;
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x80) c = static_cast<char>(f(c));
  }
  return out;
}

int toUpperAscii(int c) { return c >= 'a' && c <= 'z' ? c - 32 : c; }
int toLowerAscii(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

// strings.Title: the first letter of each word upper-cased.
std::string title(const std::string& s) {
  std::string out;
  char32_t prev = ' ';
  for (std::size_t i = 0; i < s.size();) {
    Rune r = decodeRune(s, i);
    bool sep;
    if (prev < 0x80) {
      sep = !((prev >= '0' && prev <= '9') || (prev >= 'a' && prev <= 'z') || (prev >= 'A' && prev <= 'Z') ||
              prev == '_');
    } else {
      sep = isSpaceRune(prev) || !(isLetterRune(prev) || isDigitRune(prev));
    }
    if (sep && r.r < 0x80) {
      out.push_back(static_cast<char>(toUpperAscii(static_cast<int>(r.r))));
    } else {
      out.append(s, i, static_cast<std::size_t>(r.width));
    }
    prev = r.r;
    i += static_cast<std::size_t>(r.width);
  }
  return out;
}

// sprig's strslice.
std::vector<std::string> strslice(const Val& v0) {
  Val v = v0.unboxed();
  if (v.type() == Type::StringList) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.len(); ++i) out.push_back(v.l()->items[i].s());
    return out;
  }
  if (auto elems = sliceElements(v)) {
    std::vector<std::string> out;
    for (const auto& e : *elems) {
      if (e.unboxed().valid()) out.push_back(strval(e));
    }
    return out;
  }
  if (!v.valid()) return {};
  return {strval(v)};
}

}  // namespace

Val stringList(const Val& v) { return makeStringList(strslice(v)); }

void addStringFuncs(FuncTable& t) {
  using P = Param;
  auto str = [](std::string s) { return Val::string(std::move(s)); };
  def(t, "trunc", {P::Int, P::String}, Ret::Concrete, [str](CallContext&, Args& a) {
    std::int64_t c = a[0].i();
    const std::string& s = a[1].s();
    auto len = static_cast<std::int64_t>(s.size());
    if (c < 0 && len + c > 0) return str(s.substr(static_cast<std::size_t>(len + c)));
    if (c >= 0 && len > c) return str(s.substr(0, static_cast<std::size_t>(c)));
    return str(s);
  });
  def(t, "trim", {P::String}, Ret::Concrete, [str](CallContext&, Args& a) { return str(trimSpace(a[0].s())); });
  def(t, "upper", {P::String}, Ret::Concrete, [str](CallContext&, Args& a) { return str(asciiMap(a[0].s(), toUpperAscii)); });
  def(t, "lower", {P::String}, Ret::Concrete, [str](CallContext&, Args& a) { return str(asciiMap(a[0].s(), toLowerAscii)); });
  def(t, "title", {P::String}, Ret::Concrete, [str](CallContext&, Args& a) { return str(title(a[0].s())); });
  def(t, "substr", {P::Int, P::Int, P::String}, Ret::Concrete, [str](CallContext&, Args& a) {
    std::int64_t start = a[0].i(), end = a[1].i();
    const std::string& s = a[2].s();
    auto len = static_cast<std::int64_t>(s.size());
    if (start < 0) {
      if (end < 0 || end > len) {
        throwFuncError(sliceBoundsPanic("[:" + std::to_string(end) + "] with length " + std::to_string(len)));
      }
      return str(s.substr(0, static_cast<std::size_t>(end)));
    }
    if (end < 0 || end > len) {
      if (start > len) throwFuncError(sliceBoundsPanic("[" + std::to_string(start) + ":" + std::to_string(len) + "]"));
      return str(s.substr(static_cast<std::size_t>(start)));
    }
    if (start > end) throwFuncError(sliceBoundsPanic("[" + std::to_string(start) + ":" + std::to_string(end) + "]"));
    return str(s.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start)));
  });
  def(t, "repeat", {P::Int, P::String}, Ret::Concrete,
      [str](CallContext& ctx, Args& a) { return str(repeat(ctx, a[1].s(), a[0].i())); });
  auto trimAll = [str](CallContext&, Args& a) { return str(trimCutset(a[1].s(), a[0].s())); };
  def(t, "trimall", {P::String, P::String}, Ret::Concrete, trimAll);
  def(t, "trimAll", {P::String, P::String}, Ret::Concrete, trimAll);
  def(t, "trimSuffix", {P::String, P::String}, Ret::Concrete, [str](CallContext&, Args& a) {
    const std::string &suf = a[0].s(), &s = a[1].s();
    return str(s.ends_with(suf) ? s.substr(0, s.size() - suf.size()) : s);
  });
  def(t, "trimPrefix", {P::String, P::String}, Ret::Concrete, [str](CallContext&, Args& a) {
    const std::string &pre = a[0].s(), &s = a[1].s();
    return str(s.starts_with(pre) ? s.substr(pre.size()) : s);
  });
  def(t, "nospace", {P::String}, Ret::Concrete, [str](CallContext&, Args& a) {
    std::string out;
    const std::string& s = a[0].s();
    for (std::size_t i = 0; i < s.size();) {
      Rune r = decodeRune(s, i);
      if (!isSpaceRune(r.r)) out.append(s, i, static_cast<std::size_t>(r.width));
      i += static_cast<std::size_t>(r.width);
    }
    return str(out);
  });
  def(t, "contains", {P::String, P::String}, Ret::Concrete,
      [](CallContext&, Args& a) { return Val::boolean(a[1].s().find(a[0].s()) != std::string::npos); });
  def(t, "hasPrefix", {P::String, P::String}, Ret::Concrete,
      [](CallContext&, Args& a) { return Val::boolean(a[1].s().starts_with(a[0].s())); });
  def(t, "hasSuffix", {P::String, P::String}, Ret::Concrete,
      [](CallContext&, Args& a) { return Val::boolean(a[1].s().ends_with(a[0].s())); });
  def(t, "quote", {P::Any}, Ret::Concrete,
      [str](CallContext&, Args& a) {
        std::string out;
        bool first = true;
        for (const auto& v : a) {
          if (!v.unboxed().valid()) continue;
          if (!first) out += ' ';
          first = false;
          out += quoteGo(strval(v));
        }
        return str(out);
      },
      true);
  def(t, "squote", {P::Any}, Ret::Concrete,
      [str](CallContext&, Args& a) {
        std::string out;
        bool first = true;
        for (const auto& v : a) {
          if (!v.unboxed().valid()) continue;
          if (!first) out += ' ';
          first = false;
          out += "'" + formatValue(v) + "'";
        }
        return str(out);
      },
      true);
  def(t, "cat", {P::Any}, Ret::Concrete,
      [str](CallContext&, Args& a) {
        std::string out;
        bool first = true;
        for (const auto& v : a) {
          if (!v.unboxed().valid()) continue;
          if (!first) out += ' ';
          first = false;
          out += formatValue(v);
        }
        // fmt.Sprintf(TrimSpace("%v %v ..."), ...): the format has no trailing space.
        return str(out);
      },
      true);
  auto indent = [](CallContext& ctx, std::int64_t spaces, const std::string& v) {
    if (spaces < 0) throwFuncError("strings: negative Repeat count");
    std::size_t lines = static_cast<std::size_t>(std::count(v.begin(), v.end(), '\n')) + 1;
    checkSize(ctx, static_cast<double>(spaces) * static_cast<double>(lines) + static_cast<double>(v.size()));
    std::string pad(static_cast<std::size_t>(spaces), ' ');
    std::string out = pad;
    out.reserve(v.size() + pad.size() * lines);
    for (char c : v) {
      out.push_back(c);
      if (c == '\n') out += pad;
    }
    return out;
  };
  def(t, "indent", {P::Int, P::String}, Ret::Concrete,
      [str, indent](CallContext& ctx, Args& a) { return str(indent(ctx, a[0].i(), a[1].s())); });
  def(t, "nindent", {P::Int, P::String}, Ret::Concrete,
      [str, indent](CallContext& ctx, Args& a) { return str("\n" + indent(ctx, a[0].i(), a[1].s())); });
  def(t, "replace", {P::String, P::String, P::String}, Ret::Concrete,
      [str](CallContext& ctx, Args& a) { return str(replaceAll(ctx, a[2].s(), a[0].s(), a[1].s())); });
  def(t, "plural", {P::String, P::String, P::Int}, Ret::Concrete,
      [str](CallContext&, Args& a) { return str(a[2].i() == 1 ? a[0].s() : a[1].s()); });
  def(t, "toString", {P::Any}, Ret::Concrete, [str](CallContext&, Args& a) { return str(strval(a[0])); });
  def(t, "split", {P::String, P::String}, Ret::Concrete,
      [](CallContext&, Args& a) { return splitMap(splitGo(a[1].s(), a[0].s(), -1)); });
  def(t, "splitn", {P::String, P::Int, P::String}, Ret::Concrete,
      [](CallContext&, Args& a) { return splitMap(splitGo(a[2].s(), a[0].s(), a[1].i())); });
  def(t, "splitList", {P::String, P::String}, Ret::Concrete,
      [](CallContext&, Args& a) { return makeStringList(splitGo(a[1].s(), a[0].s(), -1)); });
  def(t, "toStrings", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) { return stringList(a[0]); });
  def(t, "join", {P::String, P::Any}, Ret::Concrete, [str](CallContext&, Args& a) {
    auto parts = strslice(a[1]);
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) out += a[0].s();
      out += parts[i];
    }
    return str(out);
  });
  def(t, "sortAlpha", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    Val v = a[0].unboxed();
    if (v.isListType() || (v.type() == Type::Object && v.obj()->asList())) {
      auto parts = strslice(v);
      std::sort(parts.begin(), parts.end());
      return makeStringList(parts);
    }
    return makeStringList({strval(v)});
  });
}

}  // namespace iop::tmpl::detail
