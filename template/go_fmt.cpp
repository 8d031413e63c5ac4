#include "template/go_fmt.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "template/exec.h"
#include "template/object.h"

namespace iop::tmpl::detail {

// ---- UTF-8 and unicode classes ------------------------------------------------------------

Rune decodeRune(std::string_view s, std::size_t pos) {
  auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) return {b0, 1};
  auto cont = [&](std::size_t i) {
    return pos + i < s.size() && (static_cast<unsigned char>(s[pos + i]) & 0xC0) == 0x80;
  };
  auto at = [&](std::size_t i) { return static_cast<char32_t>(static_cast<unsigned char>(s[pos + i]) & 0x3F); };
  if (b0 >= 0xC2 && b0 <= 0xDF && cont(1)) return {(static_cast<char32_t>(b0 & 0x1F) << 6) | at(1), 2};
  if (b0 >= 0xE0 && b0 <= 0xEF && cont(1) && cont(2)) {
    char32_t r = (static_cast<char32_t>(b0 & 0x0F) << 12) | (at(1) << 6) | at(2);
    if (r >= 0x800 && (r < 0xD800 || r > 0xDFFF)) return {r, 3};
  }
  if (b0 >= 0xF0 && b0 <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    char32_t r = (static_cast<char32_t>(b0 & 0x07) << 18) | (at(1) << 12) | (at(2) << 6) | at(3);
    if (r >= 0x10000 && r <= 0x10FFFF) return {r, 4};
  }
  return {0xFFFD, 1};
}

void appendRune(std::string& out, char32_t r) {
  if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = 0xFFFD;
  if (r < 0x80) {
    out.push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (r >> 6)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (r >> 12)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (r >> 18)));
    out.push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

bool isSpaceRune(char32_t r) {
  switch (r) {
    case ' ':
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

bool isPrintRune(char32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7F;
  if (r < 0xA1) return false;  // C1 controls and NBSP
  if (r == 0xAD || r == 0x1680 || r == 0x3000 || r == 0xFEFF) return false;
  if (r >= 0x2000 && r <= 0x200F) return false;
  if (r >= 0x2028 && r <= 0x202F) return false;
  if (r >= 0x205F && r <= 0x206F) return false;
  if (r >= 0xD800 && r <= 0xF8FF) return false;  // surrogates, private use
  if (r >= 0xFFF9 && r <= 0xFFFB) return false;
  if (r == 0xFFFE || r == 0xFFFF) return false;
  if (r >= 0xF0000) return false;
  return r <= 0x10FFFF;
}

bool isLetterRune(char32_t r) {
  if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  if (r == 0xAA || r == 0xB5 || r == 0xBA) return true;
  if (r >= 0xC0 && r <= 0x24F) return r != 0xD7 && r != 0xF7;
  if (r >= 0x250 && r <= 0x2C1) return true;
  if (r >= 0x370 && r <= 0x3FF) return r != 0x375 && r != 0x37E && r != 0x384 && r != 0x385 && r != 0x387;
  if (r >= 0x400 && r <= 0x481) return true;
  if (r >= 0x48A && r <= 0x52F) return true;
  if (r >= 0x5D0 && r <= 0x5EA) return true;
  if (r >= 0x620 && r <= 0x64A) return true;
  if (r >= 0x3041 && r <= 0x3096) return true;
  if (r >= 0x30A1 && r <= 0x30FA) return true;
  if (r >= 0x4E00 && r <= 0x9FFF) return true;
  if (r >= 0xAC00 && r <= 0xD7A3) return true;
  return false;
}

bool isDigitRune(char32_t r) {
  if (r < 0x80) return r >= '0' && r <= '9';
  return (r >= 0x660 && r <= 0x669) || (r >= 0x6F0 && r <= 0x6F9) || (r >= 0x966 && r <= 0x96F) ||
         (r >= 0xFF10 && r <= 0xFF19);
}

// ---- strconv ------------------------------------------------------------------------------

namespace {

// Decimal digits of |f| and the decimal point position: value = 0.d1d2d3... x 10^dp.
struct Digits {
  std::string d;  // no leading zeros; "0" never appears except for zero (then empty)
  int dp = 0;
};

// `n` significant digits, or the shortest that round-trips when n < 0.
Digits digitsOf(double f, int n) {
  char buf[64];
  std::to_chars_result r{};
  if (n < 0) {
    r = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
  } else {
    r = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific, n > 0 ? n - 1 : 0);
  }
  std::string_view s(buf, static_cast<std::size_t>(r.ptr - buf));
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  auto e = s.find('e');
  std::string mant(s.substr(0, e));
  int exp = std::atoi(std::string(s.substr(e + 1)).c_str());
  Digits d;
  for (char c : mant) {
    if (c != '.') d.d.push_back(c);
  }
  if (n < 0) {
    while (d.d.size() > 1 && d.d.back() == '0') d.d.pop_back();
  }
  if (d.d == "0" || (n < 0 && f == 0)) {
    d.d.clear();
    d.dp = 0;
    if (n > 0) d.d.assign(static_cast<std::size_t>(n), '0');
    return d;
  }
  d.dp = exp + 1;
  return d;
}

void fmtE(std::string& out, const Digits& d, int prec, char fmt) {
  out.push_back(d.d.empty() ? '0' : d.d[0]);
  if (prec > 0) {
    out.push_back('.');
    int i = 1;
    int m = std::min(static_cast<int>(d.d.size()), prec + 1);
    if (i < m) {
      out.append(d.d, 1, static_cast<std::size_t>(m - 1));
      i = m;
    }
    for (; i <= prec; ++i) out.push_back('0');
  }
  out.push_back(fmt);
  int exp = d.dp - 1;
  if (d.d.empty()) exp = 0;
  out.push_back(exp < 0 ? '-' : '+');
  if (exp < 0) exp = -exp;
  if (exp < 10) {
    out.push_back('0');
    out.push_back(static_cast<char>('0' + exp));
  } else {
    out += std::to_string(exp);
  }
}

void fmtF(std::string& out, const Digits& d, int prec) {
  int nd = static_cast<int>(d.d.size());
  if (d.dp > 0) {
    int m = std::min(nd, d.dp);
    out.append(d.d, 0, static_cast<std::size_t>(m));
    for (; m < d.dp; ++m) out.push_back('0');
  } else {
    out.push_back('0');
  }
  if (prec > 0) {
    out.push_back('.');
    for (int i = 1; i <= prec; ++i) {
      int j = d.dp + i - 1;
      out.push_back(j >= 0 && j < nd ? d.d[static_cast<std::size_t>(j)] : '0');
    }
  }
}

}  // namespace

std::string formatFloat(double f, char fmt, int prec) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  std::string out;
  if (std::signbit(f)) out.push_back('-');
  double a = std::fabs(f);
  bool shortest = prec < 0;
  if (fmt == 'f' && !shortest) {
    char buf[400];
    auto r = std::to_chars(buf, buf + sizeof buf, a, std::chars_format::fixed, prec);
    out.append(buf, r.ptr);
    return out;
  }
  Digits d;
  if (shortest) {
    d = digitsOf(a, -1);
    switch (fmt) {
      case 'e':
      case 'E':
        prec = std::max(static_cast<int>(d.d.size()) - 1, 0);
        break;
      case 'f':
        prec = std::max(static_cast<int>(d.d.size()) - d.dp, 0);
        break;
      default:
        prec = static_cast<int>(d.d.size());
    }
  } else {
    switch (fmt) {
      case 'e':
      case 'E':
        d = digitsOf(a, prec + 1);
        break;
      default:
        if (prec == 0) prec = 1;
        d = digitsOf(a, prec);
    }
  }
  switch (fmt) {
    case 'e':
    case 'E':
      fmtE(out, d, prec, fmt);
      return out;
    case 'f':
      fmtF(out, d, prec);
      return out;
    default: {
      int nd = static_cast<int>(d.d.size());
      int eprec = prec;
      if (eprec > nd && nd >= d.dp) eprec = nd;
      if (shortest) eprec = 6;
      int exp = d.dp - 1;
      if (nd == 0) exp = 0;
      if (exp < -4 || exp >= eprec) {
        if (prec > nd) prec = nd;
        fmtE(out, d, prec - 1, fmt == 'G' ? 'E' : 'e');
        return out;
      }
      if (prec > d.dp) prec = nd;
      fmtF(out, d, std::max(prec - d.dp, 0));
      return out;
    }
  }
}

namespace {

const char* kHex = "0123456789abcdef";

void appendQuotedRune(std::string& out, char32_t r, int width, char quote, bool asciiOnly) {
  if (width == 1 && r == 0xFFFD) {
    out += "\\x";
    return;  // the caller appends the byte's hex
  }
  if (r == static_cast<char32_t>(quote) || r == '\\') {
    out.push_back('\\');
    out.push_back(static_cast<char>(r));
    return;
  }
  if (asciiOnly ? (r < 0x80 && isPrintRune(r)) : isPrintRune(r)) {
    appendRune(out, r);
    return;
  }
  switch (r) {
    case '\a':
      out += "\\a";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\v':
      out += "\\v";
      return;
    default:
      break;
  }
  if (r < ' ' || r == 0x7F) {
    out += "\\x";
    out.push_back(kHex[(r >> 4) & 0xF]);
    out.push_back(kHex[r & 0xF]);
  } else if (r < 0x10000) {
    out += "\\u";
    for (int s = 12; s >= 0; s -= 4) out.push_back(kHex[(r >> s) & 0xF]);
  } else {
    out += "\\U";
    for (int s = 28; s >= 0; s -= 4) out.push_back(kHex[(r >> s) & 0xF]);
  }
}

std::string quoteWith(std::string_view s, char quote, bool asciiOnly) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back(quote);
  for (std::size_t i = 0; i < s.size();) {
    Rune r = decodeRune(s, i);
    if (r.width == 1 && r.r == 0xFFFD) {
      auto b = static_cast<unsigned char>(s[i]);
      out += "\\x";
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xF]);
    } else {
      appendQuotedRune(out, r.r, r.width, quote, asciiOnly);
    }
    i += static_cast<std::size_t>(r.width);
  }
  out.push_back(quote);
  return out;
}

bool canBackquote(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    Rune r = decodeRune(s, i);
    if (r.width == 1 && r.r == 0xFFFD) return false;
    if (r.r == '`' || r.r == 0xFEFF) return false;
    if (r.r < ' ' && r.r != '\t') return false;
    if (r.r == 0x7F) return false;
    i += static_cast<std::size_t>(r.width);
  }
  return true;
}

std::size_t runeCount(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) i += static_cast<std::size_t>(decodeRune(s, i).width);
  return n;
}

struct Flags {
  bool plus = false, minus = false, sharp = false, space = false, zero = false;
  bool plusV = false, sharpV = false;
  bool widPresent = false, precPresent = false;
  int wid = 0, prec = 0;
};

class Printer {
 public:
  std::string buf;
  Flags f;

  void pad(std::string_view s) {
    if (!f.widPresent || f.wid == 0) {
      buf += s;
      return;
    }
    auto width = runeCount(s);
    if (static_cast<int>(width) >= f.wid) {
      buf += s;
      return;
    }
    std::size_t padding = static_cast<std::size_t>(f.wid) - width;
    if (f.minus) {
      buf += s;
      buf.append(padding, ' ');
    } else {
      buf.append(padding, f.zero ? '0' : ' ');
      buf += s;
    }
  }

  void fmtBool(bool v, char32_t verb, const Val& arg) {
    if (verb == 't' || verb == 'v') {
      pad(v ? "true" : "false");
    } else {
      badVerb(verb, arg);
    }
  }

  void fmtInteger(std::uint64_t u, bool neg, int base, char32_t verb, bool upper) {
    std::string digits;
    if (u == 0) digits = "0";
    const char* d = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    while (u > 0) {
      digits.insert(digits.begin(), d[u % static_cast<unsigned>(base)]);
      u /= static_cast<unsigned>(base);
    }
    int prec = 0;
    bool precSet = false;
    if (f.precPresent) {
      prec = f.prec;
      precSet = true;
      if (prec == 0 && digits == "0") {
        bool oldZero = f.zero;
        f.zero = false;
        pad("");
        f.zero = oldZero;
        return;
      }
    } else if (f.zero && !f.minus && f.widPresent) {
      prec = f.wid;
      if (neg || f.plus || f.space) --prec;
      precSet = true;
    }
    if (precSet && static_cast<int>(digits.size()) < prec) {
      digits.insert(0, static_cast<std::size_t>(prec) - digits.size(), '0');
    }
    std::string prefix;
    if (f.sharp) {
      if (base == 2) prefix = "0b";
      if (base == 8 && digits[0] != '0') prefix = "0";
      if (base == 16) prefix = upper ? "0X" : "0x";
    }
    if (verb == 'O') prefix = "0o";
    std::string out;
    if (neg) {
      out = "-";
    } else if (f.plus) {
      out = "+";
    } else if (f.space) {
      out = " ";
    }
    out += prefix + digits;
    bool oldZero = f.zero;
    f.zero = false;
    pad(out);
    f.zero = oldZero;
  }

  void fmtSignedOrUnsigned(const Val& arg, char32_t verb) {
    bool isUnsigned = arg.type() == Type::Uint64;
    std::uint64_t mag = isUnsigned ? arg.u()
                                   : (arg.i() < 0 ? static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(arg.i())
                                                  : static_cast<std::uint64_t>(arg.i()));
    bool neg = !isUnsigned && arg.i() < 0;
    switch (verb) {
      case 'v':
        if (f.sharpV && isUnsigned) {
          bool s = f.sharp;
          f.sharp = true;
          fmtInteger(mag, neg, 16, verb, false);
          f.sharp = s;
        } else {
          fmtInteger(mag, neg, 10, verb, false);
        }
        return;
      case 'd':
        fmtInteger(mag, neg, 10, verb, false);
        return;
      case 'b':
        fmtInteger(mag, neg, 2, verb, false);
        return;
      case 'o':
      case 'O':
        fmtInteger(mag, neg, 8, verb, false);
        return;
      case 'x':
        fmtInteger(mag, neg, 16, verb, false);
        return;
      case 'X':
        fmtInteger(mag, neg, 16, verb, true);
        return;
      case 'c': {
        std::string s;
        appendRune(s, neg || mag > 0x10FFFF ? 0xFFFD : static_cast<char32_t>(mag));
        pad(s);
        return;
      }
      case 'q': {
        char32_t r = neg || mag > 0x10FFFF ? 0xFFFD : static_cast<char32_t>(mag);
        std::string tmp;
        appendRune(tmp, r);
        pad(quoteWith(tmp, '\'', f.plus));
        return;
      }
      case 'U': {
        std::string s = "U+";
        std::string hex;
        std::uint64_t v = mag;
        do {
          hex.insert(hex.begin(), "0123456789ABCDEF"[v % 16]);
          v /= 16;
        } while (v > 0);
        while (hex.size() < 4) hex.insert(hex.begin(), '0');
        s += hex;
        if (f.sharp && mag <= 0x10FFFF && isPrintRune(static_cast<char32_t>(mag))) {
          s += " '";
          appendRune(s, static_cast<char32_t>(mag));
          s += "'";
        }
        pad(s);
        return;
      }
      default:
        badVerb(verb, arg);
    }
  }

  void fmtFloatVerb(double v, char32_t verb, const Val& arg) {
    char fmt;
    int prec;
    switch (verb) {
      case 'v':
        fmt = 'g';
        prec = -1;
        break;
      case 'g':
      case 'G':
        fmt = static_cast<char>(verb);
        prec = -1;
        break;
      case 'f':
      case 'F':
        fmt = 'f';
        prec = 6;
        break;
      case 'e':
      case 'E':
        fmt = static_cast<char>(verb);
        prec = 6;
        break;
      default:
        badVerb(verb, arg);
        return;
    }
    if (f.precPresent) prec = f.prec;
    std::string num = formatFloat(v, fmt, prec);
    if (num[0] != '-' && num[0] != '+') num.insert(num.begin(), '+');
    if (f.space && num[0] == '+' && !f.plus) num[0] = ' ';
    if (num[1] == 'I' || num[1] == 'N') {
      bool oldZero = f.zero;
      f.zero = false;
      if (num[1] == 'N' && !f.space && !f.plus) num.erase(0, 1);
      pad(num);
      f.zero = oldZero;
      return;
    }
    if (f.sharp) {
      int digits = (verb == 'v' || verb == 'g' || verb == 'G') ? (prec == -1 ? 6 : prec) : 0;
      std::string tail;
      bool hasPoint = false, sawNonzero = false;
      for (std::size_t i = 1; i < num.size(); ++i) {
        char c = num[i];
        if (c == '.') {
          hasPoint = true;
        } else if (c == 'e' || c == 'E') {
          tail = num.substr(i);
          num.resize(i);
          break;
        } else {
          if (c != '0') sawNonzero = true;
          if (sawNonzero) --digits;
        }
      }
      if (!hasPoint) {
        if (num.size() == 2 && num[1] == '0') --digits;
        num.push_back('.');
      }
      while (digits-- > 0) num.push_back('0');
      num += tail;
    }
    if (f.plus || num[0] != '+') {
      if (f.zero && !f.minus && f.widPresent && f.wid > static_cast<int>(num.size())) {
        buf.push_back(num[0]);
        buf.append(static_cast<std::size_t>(f.wid) - num.size(), '0');
        buf.append(num, 1);
        return;
      }
      pad(num);
      return;
    }
    pad(std::string_view(num).substr(1));
  }

  void fmtString(const std::string& s, char32_t verb, const Val& arg) {
    switch (verb) {
      case 'v':
        if (f.sharpV) {
          pad(quoteWith(s, '"', false));
          return;
        }
        [[fallthrough]];
      case 's': {
        if (f.precPresent) {
          std::size_t i = 0;
          for (int n = 0; n < f.prec && i < s.size(); ++n) i += static_cast<std::size_t>(decodeRune(s, i).width);
          pad(std::string_view(s).substr(0, i));
        } else {
          pad(s);
        }
        return;
      }
      case 'x':
      case 'X': {
        const char* d = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
        std::string out;
        std::size_t n = s.size();
        if (f.precPresent && static_cast<std::size_t>(f.prec) < n) n = static_cast<std::size_t>(f.prec);
        for (std::size_t i = 0; i < n; ++i) {
          if (f.space && i > 0) out.push_back(' ');
          if (f.sharp && (f.space || i == 0)) out += verb == 'X' ? "0X" : "0x";
          auto c = static_cast<unsigned char>(s[i]);
          out.push_back(d[c >> 4]);
          out.push_back(d[c & 0xF]);
        }
        pad(out);
        return;
      }
      case 'q': {
        std::string str = s;
        if (f.precPresent) {
          std::size_t i = 0;
          for (int n = 0; n < f.prec && i < s.size(); ++n) i += static_cast<std::size_t>(decodeRune(s, i).width);
          str = s.substr(0, i);
        }
        if (f.sharp && canBackquote(str)) {
          pad("`" + str + "`");
        } else {
          pad(quoteWith(str, '"', f.plus));
        }
        return;
      }
      default:
        badVerb(verb, arg);
    }
  }

  void badVerb(char32_t verb, const Val& arg) {
    buf += "%!";
    appendRune(buf, verb);
    buf.push_back('(');
    Val a = arg.unboxed();
    if (a.valid()) {
      buf += a.typeName();
      buf.push_back('=');
      Flags saved = f;
      f = Flags{};
      printArg(a, 'v', 0);
      f = saved;
    } else {
      buf += "<nil>";
    }
    buf.push_back(')');
  }

  // A Stringer object prints through String() for these verbs.
  void printArg(const Val& arg0, char32_t verb, int depth) {
    // Go's fmt recurses without bound and overflows its stack on a map that holds itself: end the
    // render instead.
    if (depth > kMaxValueDepth)
      throw LimitExceeded{"printing a value nested deeper than " + std::to_string(kMaxValueDepth) +
                          " levels (a map or list that contains itself?)"};
    Val arg = arg0.unboxed();
    if (!arg.valid()) {
      if (depth > 0) {
        buf += "<nil>";
        return;
      }
      if (verb == 'T' || verb == 'v') {
        pad("<nil>");
      } else {
        badVerb(verb, arg);
      }
      return;
    }
    if (verb == 'T') {
      pad(arg.typeName());
      return;
    }
    switch (arg.type()) {
      case Type::Bool:
        fmtBool(arg.b(), verb, arg);
        return;
      case Type::Int:
      case Type::Int64:
      case Type::Uint64:
        fmtSignedOrUnsigned(arg, verb);
        return;
      case Type::Float64:
        fmtFloatVerb(arg.f(), verb, arg);
        return;
      case Type::String:
        fmtString(arg.s(), verb, arg);
        return;
      case Type::Bytes:
        if (verb == 's' || verb == 'q' || verb == 'x' || verb == 'X') {
          fmtString(arg.s(), verb, arg);
          return;
        }
        break;
      case Type::Object:
        if (verb == 'v' || verb == 's' || verb == 'q' || verb == 'x' || verb == 'X') {
          std::string s = arg.obj()->format();
          if (verb == 'v') {
            pad(s);
          } else {
            fmtString(s, verb, arg);
          }
          return;
        }
        badVerb(verb, arg);
        return;
      default:
        break;
    }
    // Maps and slices: the verb applies to each element.
    if (arg.isMapType()) {
      buf += "map[";
      if (arg.m()) {
        bool first = true;
        for (const auto& [k, v] : arg.m()->items) {
          if (!first) buf.push_back(' ');
          first = false;
          printArg(Val::string(k), verb, depth + 1);
          buf.push_back(':');
          printArg(v, verb, depth + 1);
        }
      }
      buf.push_back(']');
      return;
    }
    if (arg.isListType()) {
      buf.push_back('[');
      for (std::size_t i = 0; i < arg.len(); ++i) {
        if (i > 0) buf.push_back(' ');
        printArg(arg.index(i), verb, depth + 1);
      }
      buf.push_back(']');
      return;
    }
    badVerb(verb, arg);
  }
};

}  // namespace

std::string quoteGo(std::string_view s) { return quoteWith(s, '"', false); }

void appendValue(std::string& out, const Val& v) {
  Val u = v.unboxed();
  switch (u.type()) {
    case Type::String:
      out += u.s();
      return;
    case Type::Int:
    case Type::Int64: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, u.i());
      out.append(buf, r.ptr);
      return;
    }
    case Type::Bool:
      out += u.b() ? "true" : "false";
      return;
    case Type::Float64:
      out += formatFloat(u.f(), 'g', -1);
      return;
    default: {
      Printer p;
      p.printArg(u, 'v', 0);
      out += p.buf;
    }
  }
}

std::string formatValue(const Val& v) {
  std::string out;
  appendValue(out, v);
  return out;
}

std::string sprint(const std::vector<Val>& args) {
  std::string out;
  bool prevString = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    Val a = args[i].unboxed();
    bool isString = a.type() == Type::String;
    if (i > 0 && !isString && !prevString) out.push_back(' ');
    appendValue(out, a);
    prevString = isString;
  }
  return out;
}

std::string sprintln(const std::vector<Val>& args) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out.push_back(' ');
    appendValue(out, args[i]);
  }
  out.push_back('\n');
  return out;
}

std::string sprintf(std::string_view format, const std::vector<Val>& args) {
  Printer p;
  std::size_t argNum = 0;
  bool reordered = false;
  std::size_t end = format.size();
  for (std::size_t i = 0; i < end;) {
    std::size_t lasti = i;
    while (i < end && format[i] != '%') ++i;
    if (i > lasti) p.buf.append(format.substr(lasti, i - lasti));
    if (i >= end) break;
    ++i;  // skip %
    p.f = Flags{};
    for (; i < end; ++i) {
      char c = format[i];
      if (c == '#') {
        p.f.sharp = true;
      } else if (c == '0') {
        p.f.zero = !p.f.minus;
      } else if (c == '+') {
        p.f.plus = true;
      } else if (c == '-') {
        p.f.minus = true;
        p.f.zero = false;
      } else if (c == ' ') {
        p.f.space = true;
      } else {
        break;
      }
    }
    auto parseArgIndex = [&]() -> bool {
      // [n] argument index: 1-based.
      if (i >= end || format[i] != '[') return true;
      reordered = true;
      std::size_t j = i + 1;
      int n = 0;
      bool ok = false;
      while (j < end && format[j] >= '0' && format[j] <= '9') {
        n = n * 10 + (format[j] - '0');
        if (n > 1000000) n = 1000000;
        ++j;
        ok = true;
      }
      if (j >= end || format[j] != ']' || !ok) {
        i = j < end ? j + 1 : end;
        return false;
      }
      i = j + 1;
      if (n < 1 || static_cast<std::size_t>(n) > args.size()) return false;
      argNum = static_cast<std::size_t>(n - 1);
      return true;
    };
    bool goodArgNum = parseArgIndex();
    auto parseNum = [&](int& out) -> bool {
      bool any = false;
      out = 0;
      while (i < end && format[i] >= '0' && format[i] <= '9') {
        out = out * 10 + (format[i] - '0');
        if (out > 1000000) out = 1000000;
        ++i;
        any = true;
      }
      return any;
    };
    // Width.
    if (i < end && format[i] == '*') {
      ++i;
      if (argNum < args.size() && args[argNum].unboxed().type() == Type::Int) {
        p.f.wid = static_cast<int>(std::clamp<std::int64_t>(args[argNum].unboxed().i(), -1000000, 1000000));
        p.f.widPresent = true;
        if (p.f.wid < 0) {
          p.f.minus = true;
          p.f.zero = false;
          p.f.wid = -p.f.wid;
        }
      } else {
        p.buf += "%!(BADWIDTH)";
      }
      ++argNum;
    } else {
      p.f.widPresent = parseNum(p.f.wid);
    }
    // Precision.
    if (i + 1 <= end && i < end && format[i] == '.') {
      ++i;
      if (i < end && format[i] == '*') {
        ++i;
        if (argNum < args.size() && args[argNum].unboxed().type() == Type::Int) {
          auto v = args[argNum].unboxed().i();
          p.f.prec = static_cast<int>(std::clamp<std::int64_t>(v, -1, 1000000));
          p.f.precPresent = v >= 0;
        } else {
          p.buf += "%!(BADPREC)";
        }
        ++argNum;
      } else {
        parseNum(p.f.prec);
        p.f.precPresent = true;
      }
    }
    if (!reordered || goodArgNum) {
      if (i < end && format[i] == '[') goodArgNum = parseArgIndex();
    }
    if (i >= end) {
      p.buf += "%!(NOVERB)";
      break;
    }
    Rune vr = decodeRune(format, i);
    char32_t verb = vr.r;
    i += static_cast<std::size_t>(vr.width);
    if (verb == '%') {
      p.buf.push_back('%');
      continue;
    }
    if (!goodArgNum) {
      p.buf += "%!";
      appendRune(p.buf, verb);
      p.buf += "(BADINDEX)";
      continue;
    }
    if (argNum >= args.size()) {
      p.buf += "%!";
      appendRune(p.buf, verb);
      p.buf += "(MISSING)";
      continue;
    }
    if (verb == 'w') {
      p.badVerb(verb, args[argNum]);
      ++argNum;
      continue;
    }
    if (verb == 'v') {
      p.f.sharpV = p.f.sharp;
      p.f.sharp = false;
      p.f.plusV = p.f.plus;
      p.f.plus = false;
    }
    p.printArg(args[argNum], verb, 0);
    ++argNum;
  }
  if (!reordered && argNum < args.size()) {
    p.f = Flags{};
    p.buf += "%!(EXTRA ";
    for (std::size_t k = argNum; k < args.size(); ++k) {
      if (k > argNum) p.buf += ", ";
      Val a = args[k].unboxed();
      if (!a.valid()) {
        p.buf += "<nil>";
      } else {
        p.buf += a.typeName();
        p.buf.push_back('=');
        p.printArg(a, 'v', 0);
      }
    }
    p.buf.push_back(')');
  }
  return p.buf;
}

}  // namespace iop::tmpl::detail
