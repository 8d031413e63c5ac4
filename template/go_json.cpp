#include "template/go_json.h"

#include <cmath>

#include "template/go_fmt.h"
#include "template/object.h"
#include "template/strconv.h"

namespace iop::tmpl::detail {

namespace {

constexpr int kMaxDepth = 10000;

void encodeString(std::string& out, std::string_view s, bool escapeHtml) {
  const char* hex = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      bool safe = b >= 0x20 && b != '"' && b != '\\' && !(escapeHtml && (b == '<' || b == '>' || b == '&'));
      if (safe) {
        out.push_back(static_cast<char>(b));
      } else {
        switch (b) {
          case '\\':
          case '"':
            out.push_back('\\');
            out.push_back(static_cast<char>(b));
            break;
          case '\b':
            out += "\\b";
            break;
          case '\f':
            out += "\\f";
            break;
          case '\n':
            out += "\\n";
            break;
          case '\r':
            out += "\\r";
            break;
          case '\t':
            out += "\\t";
            break;
          default:
            out += "\\u00";
            out.push_back(hex[b >> 4]);
            out.push_back(hex[b & 0xF]);
        }
      }
      ++i;
      continue;
    }
    Rune r = decodeRune(s, i);
    if (r.r == 0xFFFD && r.width == 1) {
      out += "\\ufffd";
    } else if (r.r == 0x2028 || r.r == 0x2029) {
      out += r.r == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, static_cast<std::size_t>(r.width)));
    }
    i += static_cast<std::size_t>(r.width);
  }
  out.push_back('"');
}

std::string base64(std::string_view in) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out.push_back(tbl[(v >> 18) & 63]);
    out.push_back(tbl[(v >> 12) & 63]);
    out.push_back(tbl[(v >> 6) & 63]);
    out.push_back(tbl[v & 63]);
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(tbl[(v >> 18) & 63]);
    out.push_back(tbl[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? tbl[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

struct Encoder {
  bool escapeHtml;
  std::string indent;
  std::string out;
  std::string error;

  void newline(int depth) {
    out.push_back('\n');
    for (int i = 0; i < depth; ++i) out += indent;
  }

  void encodeJsonValue(const Value& j, int depth) {
    // Objects' own JSON view (structs): nlohmann's types mapped to Go's encodings.
    switch (j.type()) {
      case Value::value_t::null:
        out += "null";
        return;
      case Value::value_t::boolean:
        out += j.get<bool>() ? "true" : "false";
        return;
      case Value::value_t::number_integer:
        out += std::to_string(j.get<std::int64_t>());
        return;
      case Value::value_t::number_unsigned:
        out += std::to_string(j.get<std::uint64_t>());
        return;
      case Value::value_t::number_float:
        encodeFloat(j.get<double>());
        return;
      case Value::value_t::string:
        encodeString(out, j.get_ref<const std::string&>(), escapeHtml);
        return;
      case Value::value_t::array: {
        if (j.empty()) {
          out += "[]";
          return;
        }
        out.push_back('[');
        bool first = true;
        for (const auto& e : j) {
          if (!first) out.push_back(',');
          first = false;
          if (!indent.empty()) newline(depth + 1);
          encodeJsonValue(e, depth + 1);
        }
        if (!indent.empty()) newline(depth);
        out.push_back(']');
        return;
      }
      case Value::value_t::object: {
        if (j.empty()) {
          out += "{}";
          return;
        }
        out.push_back('{');
        bool first = true;
        for (const auto& [k, e] : j.items()) {
          if (!first) out.push_back(',');
          first = false;
          if (!indent.empty()) newline(depth + 1);
          encodeString(out, k, escapeHtml);
          out += indent.empty() ? ":" : ": ";
          encodeJsonValue(e, depth + 1);
        }
        if (!indent.empty()) newline(depth);
        out.push_back('}');
        return;
      }
      default:
        out += "null";
    }
  }

  void encodeFloat(double f) {
    if (std::isnan(f) || std::isinf(f)) {
      if (error.empty()) error = "json: unsupported value: " + formatFloat(f, 'g', -1);
      out += "null";
      return;
    }
    out += jsonFloat(f);
  }

  void encode(const Val& v0, int depth) {
    if (depth > kMaxDepth) {
      if (error.empty()) error = "json: unsupported value: encountered a cycle or too deep a value";
      return;
    }
    Val v = v0.unboxed();
    switch (v.type()) {
      case Type::Invalid:
      case Type::Missing:
      case Type::Nil:
        out += "null";
        return;
      case Type::Bool:
        out += v.b() ? "true" : "false";
        return;
      case Type::Int:
      case Type::Int64:
        out += std::to_string(v.i());
        return;
      case Type::Uint64:
        out += std::to_string(v.u());
        return;
      case Type::Float64:
        encodeFloat(v.f());
        return;
      case Type::String:
        encodeString(out, v.s(), escapeHtml);
        return;
      case Type::Bytes:
        out.push_back('"');
        out += base64(v.s());
        out.push_back('"');
        return;
      case Type::Object:
        encodeJsonValue(v.obj()->json(), depth);
        return;
      default:
        break;
    }
    if (v.isMapType()) {
      if (!v.m()) {
        out += "null";
        return;
      }
      if (v.m()->items.empty()) {
        out += "{}";
        return;
      }
      out.push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.m()->items) {
        if (!first) out.push_back(',');
        first = false;
        if (!indent.empty()) newline(depth + 1);
        encodeString(out, k, escapeHtml);
        out += indent.empty() ? ":" : ": ";
        encode(e, depth + 1);
      }
      if (!indent.empty()) newline(depth);
      out.push_back('}');
      return;
    }
    if (v.isListType()) {
      if (!v.l()) {
        out += "null";
        return;
      }
      if (v.l()->items.empty()) {
        out += "[]";
        return;
      }
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.l()->items) {
        if (!first) out.push_back(',');
        first = false;
        if (!indent.empty()) newline(depth + 1);
        encode(e, depth + 1);
      }
      if (!indent.empty()) newline(depth);
      out.push_back(']');
    }
  }
};

// ---- decoding ----

std::string quoteChar(unsigned char c) {
  if (c == '\'') return "'\\''";
  if (c == '"') return "'\"'";
  std::string s;
  appendRune(s, c);
  std::string q = quoteGo(s);
  return "'" + q.substr(1, q.size() - 2) + "'";
}

struct SyntaxError {
  std::string message;
};

class Decoder {
 public:
  explicit Decoder(std::string_view s) : s_(s) {}

  // The scanner pass (checkValid): Go reports syntax errors before decoding anything.
  void check() {
    skipSpace();
    value(0);
    skipSpace();
    if (pos_ < s_.size()) fail("after top-level value");
  }

  Val decode() {
    pos_ = 0;
    skipSpace();
    return parseValue();
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;

  [[noreturn]] void fail(const std::string& context) {
    if (pos_ >= s_.size()) throw SyntaxError{"unexpected end of JSON input"};
    throw SyntaxError{"invalid character " + quoteChar(static_cast<unsigned char>(s_[pos_])) + " " + context};
  }
  void skipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool at(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  bool digit() const { return pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; }

  void literal(std::string_view word, const char* name) {
    for (std::size_t i = 1; i < word.size(); ++i) {
      ++pos_;
      if (!at(word[i])) fail(std::string("in literal ") + name + " (expecting " + quoteChar(static_cast<unsigned char>(word[i])) + ")");
    }
    ++pos_;
  }

  void value(int depth) {
    if (depth > kMaxDepth) throw SyntaxError{"exceeded max depth"};
    if (pos_ >= s_.size()) fail("");
    char c = s_[pos_];
    switch (c) {
      case '{': {
        ++pos_;
        skipSpace();
        if (at('}')) {
          ++pos_;
          return;
        }
        for (;;) {
          if (!at('"')) fail("looking for beginning of object key string");
          string();
          skipSpace();
          if (!at(':')) fail("after object key");
          ++pos_;
          skipSpace();
          value(depth + 1);
          skipSpace();
          if (at(',')) {
            ++pos_;
            skipSpace();
            continue;
          }
          if (at('}')) {
            ++pos_;
            return;
          }
          fail("after object key:value pair");
        }
      }
      case '[': {
        ++pos_;
        skipSpace();
        if (at(']')) {
          ++pos_;
          return;
        }
        for (;;) {
          value(depth + 1);
          skipSpace();
          if (at(',')) {
            ++pos_;
            skipSpace();
            continue;
          }
          if (at(']')) {
            ++pos_;
            return;
          }
          fail("after array element");
        }
      }
      case '"':
        string();
        return;
      case 't':
        literal("true", "true");
        return;
      case 'f':
        literal("false", "false");
        return;
      case 'n':
        literal("null", "null");
        return;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          number();
          return;
        }
        fail("looking for beginning of value");
    }
  }

  void string() {
    ++pos_;
    for (;;) {
      if (pos_ >= s_.size()) fail("");
      auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return;
      }
      if (c == '\\') {
        ++pos_;
        if (pos_ >= s_.size()) fail("");
        char e = s_[pos_];
        if (e == 'u') {
          for (int i = 0; i < 4; ++i) {
            ++pos_;
            if (pos_ >= s_.size()) fail("");
            char h = s_[pos_];
            bool ok = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F');
            if (!ok) fail("in \\u hexadecimal character escape");
          }
          ++pos_;
          continue;
        }
        if (std::string_view("bfnrt\\/\"").find(e) == std::string_view::npos) fail("in string escape code");
        ++pos_;
        continue;
      }
      if (c < 0x20) fail("in string literal");
      ++pos_;
    }
  }

  void number() {
    if (at('-')) {
      ++pos_;
      if (!digit()) fail("in numeric literal");
    }
    if (at('0')) {
      ++pos_;
    } else {
      while (digit()) ++pos_;
    }
    if (at('.')) {
      ++pos_;
      if (!digit()) fail("after decimal point in numeric literal");
      while (digit()) ++pos_;
    }
    if (at('e') || at('E')) {
      ++pos_;
      if (at('+') || at('-')) ++pos_;
      if (!digit()) fail("in exponent of numeric literal");
      while (digit()) ++pos_;
    }
  }

  // Decoding of text already known to be valid.
  Val parseValue() {
    char c = s_[pos_];
    switch (c) {
      case '{': {
        ++pos_;
        auto m = std::make_shared<MapObj>();
        skipSpace();
        if (at('}')) {
          ++pos_;
          return Val::fromMap(Type::Map, std::move(m));
        }
        for (;;) {
          std::string key = parseString();
          skipSpace();
          ++pos_;  // ':'
          skipSpace();
          Val v = parseValue();
          m->set(std::move(key), stored(v));
          skipSpace();
          if (at(',')) {
            ++pos_;
            skipSpace();
            continue;
          }
          ++pos_;  // '}'
          return Val::fromMap(Type::Map, std::move(m));
        }
      }
      case '[': {
        ++pos_;
        auto l = std::make_shared<ListObj>();
        skipSpace();
        if (at(']')) {
          ++pos_;
          return Val::fromList(Type::List, std::move(l));
        }
        for (;;) {
          l->items.push_back(stored(parseValue()));
          skipSpace();
          if (at(',')) {
            ++pos_;
            skipSpace();
            continue;
          }
          ++pos_;
          return Val::fromList(Type::List, std::move(l));
        }
      }
      case '"':
        return Val::string(parseString());
      case 't':
        pos_ += 4;
        return Val::boolean(true);
      case 'f':
        pos_ += 5;
        return Val::boolean(false);
      case 'n':
        pos_ += 4;
        return Val::nilIface();
      default: {
        std::size_t start = pos_;
        number();
        auto text = s_.substr(start, pos_ - start);
        auto f = parseFloatGo(text);
        if (!f) throw SyntaxError{"json: cannot unmarshal number " + std::string(text) + " into Go value of type float64"};
        return Val::float64(*f);
      }
    }
  }

  std::string parseString() {
    ++pos_;
    std::string out;
    for (;;) {
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\\') {
        char e = s_[pos_ + 1];
        pos_ += 2;
        switch (e) {
          case 'b':
            out.push_back('\b');
            break;
          case 'f':
            out.push_back('\f');
            break;
          case 'n':
            out.push_back('\n');
            break;
          case 'r':
            out.push_back('\r');
            break;
          case 't':
            out.push_back('\t');
            break;
          case 'u': {
            char32_t r = hex4(pos_);
            pos_ += 4;
            if (r >= 0xD800 && r < 0xDC00) {
              if (pos_ + 6 <= s_.size() && s_[pos_] == '\\' && s_[pos_ + 1] == 'u') {
                char32_t r2 = hex4(pos_ + 2);
                if (r2 >= 0xDC00 && r2 < 0xE000) {
                  pos_ += 6;
                  appendRune(out, 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00));
                  break;
                }
              }
              appendRune(out, 0xFFFD);
              break;
            }
            if (r >= 0xDC00 && r < 0xE000) r = 0xFFFD;
            appendRune(out, r);
            break;
          }
          default:
            out.push_back(e);
        }
        continue;
      }
      auto b = static_cast<unsigned char>(c);
      if (b < 0x80) {
        out.push_back(c);
        ++pos_;
        continue;
      }
      Rune r = decodeRune(s_, pos_);
      if (r.r == 0xFFFD && r.width == 1) {
        appendRune(out, 0xFFFD);
      } else {
        out.append(s_.substr(pos_, static_cast<std::size_t>(r.width)));
      }
      pos_ += static_cast<std::size_t>(r.width);
    }
  }

  char32_t hex4(std::size_t p) const {
    char32_t r = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      char h = s_[p + i];
      int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h - 'A' + 10;
      r = (r << 4) | static_cast<char32_t>(d);
    }
    return r;
  }
};

}  // namespace

std::string jsonFloat(double f) {
  double a = std::fabs(f);
  char fmt = 'f';
  if (a != 0 && (a < 1e-6 || a >= 1e21)) fmt = 'e';
  std::string b = formatFloat(f, fmt, -1);
  if (fmt == 'e') {
    std::size_t n = b.size();
    if (n >= 4 && b[n - 4] == 'e' && b[n - 3] == '-' && b[n - 2] == '0') {
      b[n - 2] = b[n - 1];
      b.pop_back();
    }
  }
  return b;
}

JsonResult marshalJson(const Val& v, const JsonOptions& opts) {
  Encoder e{opts.escapeHtml, opts.indent, {}, {}};
  e.encode(v, 0);
  if (!e.error.empty()) return {"", e.error};
  return {std::move(e.out), ""};
}

JsonParse unmarshalJson(std::string_view text) {
  Decoder d(text);
  try {
    d.check();
    return {d.decode(), ""};
  } catch (SyntaxError& e) {
    return {Val(), e.message};
  }
}

}  // namespace iop::tmpl::detail
