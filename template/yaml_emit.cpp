// sigs.k8s.io/yaml.Marshal: json.Marshal, go-yaml v2's Unmarshal of that JSON, and go-yaml v2's
// Marshal (encode.go over emitterc.go). The emitter below is a port of the parts of emitterc.go
// that such documents reach (block mappings and sequences, `{}`/`[]` for empty ones, plain,
// single-quoted, double-quoted and literal scalars), keeping its state variables (indent stack,
// column, whitespace, indention) so that line folding at 80 columns and indentation come out the
// same byte for byte.

#include <algorithm>
#include <cmath>

#include "template/go_fmt.h"
#include "template/go_json.h"
#include "template/go_yaml.h"
#include "template/object.h"
#include "template/strconv.h"
#include "template/value.h"
#include "template/yaml_resolve.h"

namespace iop::tmpl::detail {

namespace {

enum class Style { Plain, Single, Double, Literal };

// A node of the document as go-yaml's encoder sees it after the JSON round trip.
// A map entry, declared apart: a std::pair<YNode, YNode> member would need YNode complete, which
// libstdc++ asserts under clang.
struct YEntry;
struct YNode {
  enum Kind { Scalar, Seq, Map } kind = Scalar;
  std::string value;
  Style style = Style::Plain;
  std::vector<YNode> items;     // Seq
  std::vector<YEntry> entries;  // Map, sorted as keyList sorts
  // Defined once YEntry is complete.
  YNode();
  YNode(const YNode&);
  YNode(YNode&&) noexcept;
  YNode& operator=(const YNode&);
  YNode& operator=(YNode&&) noexcept;
  ~YNode();
};
struct YEntry : std::pair<YNode, YNode> {
  using std::pair<YNode, YNode>::pair;
};
YNode::YNode() = default;
YNode::YNode(const YNode&) = default;
YNode::YNode(YNode&&) noexcept = default;
YNode& YNode::operator=(const YNode&) = default;
YNode& YNode::operator=(YNode&&) noexcept = default;
YNode::~YNode() = default;

YNode scalar(std::string v, Style s = Style::Plain) {
  YNode n;
  n.value = std::move(v);
  n.style = s;
  return n;
}

// encode.go stringv: the style go-yaml picks for a string.
YNode stringNode(const std::string& s) {
  Resolved r = resolvePlain(s);
  bool canUsePlain = r.tag == YamlTag::Str && !isBase60Float(s);
  Style style = s.find('\n') != std::string::npos ? Style::Literal
                : canUsePlain                     ? Style::Plain
                                                  : Style::Double;
  return scalar(s, style);
}

// A JSON number's text as go-yaml v2 reads and re-emits it.
YNode numberNode(const std::string& text) {
  Resolved r = resolvePlain(text);
  switch (r.tag) {
    case YamlTag::Int:
      return scalar(std::to_string(r.i));
    case YamlTag::Uint:
      return scalar(std::to_string(r.u));
    case YamlTag::Float: {
      std::string s = formatFloat(r.f, 'g', -1);
      if (s == "+Inf") s = ".inf";
      if (s == "-Inf") s = "-.inf";
      if (s == "NaN") s = ".nan";
      return scalar(s);
    }
    default:
      return scalar(text);
  }
}

bool isLetterForSort(char32_t r) {
  return isLetterRune(r);
}

std::vector<char32_t> runes(const std::string& s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    Rune r = decodeRune(s, i);
    out.push_back(r.r);
    i += static_cast<std::size_t>(r.width);
  }
  return out;
}

// sorter.go keyList.Less for string keys.
bool keyLess(const std::vector<char32_t>& ar, const std::vector<char32_t>& br) {
  for (std::size_t i = 0; i < ar.size() && i < br.size(); ++i) {
    if (ar[i] == br[i]) continue;
    bool al = isLetterForSort(ar[i]), bl = isLetterForSort(br[i]);
    if (al && bl) return ar[i] < br[i];
    if (al || bl) return bl;
    std::size_t ai, bi;
    std::int64_t an = 0, bn = 0;
    if (ar[i] == '0' || br[i] == '0') {
      for (std::size_t j = i; j-- > 0 && isDigitRune(ar[j]);) {
        if (ar[j] != '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    // Go's int arithmetic wraps on overflow (a key of 20 digits); C++'s signed overflow is
    // undefined, so the same two's-complement wrap is computed unsigned (found by the fuzzer).
    auto accumulate = [](std::int64_t n, char32_t digit) {
      return static_cast<std::int64_t>(static_cast<std::uint64_t>(n) * 10u +
                                       static_cast<std::uint64_t>(digit - U'0'));
    };
    for (ai = i; ai < ar.size() && isDigitRune(ar[ai]); ++ai) an = accumulate(an, ar[ai]);
    for (bi = i; bi < br.size() && isDigitRune(br[bi]); ++bi) bn = accumulate(bn, br[bi]);
    if (an != bn) return an < bn;
    if (ai != bi) return ai < bi;
    return ar[i] < br[i];
  }
  return ar.size() < br.size();
}

struct BuildError {
  std::string message;
};

YNode fromJsonValue(const Value& j, int depth);

YNode mapNode(std::vector<std::pair<std::string, YNode>> kv) {
  std::vector<std::pair<std::vector<char32_t>, std::size_t>> keys;
  keys.reserve(kv.size());
  for (std::size_t i = 0; i < kv.size(); ++i) keys.emplace_back(runes(kv[i].first), i);
  std::stable_sort(keys.begin(), keys.end(),
                   [](const auto& a, const auto& b) { return keyLess(a.first, b.first); });
  YNode n;
  n.kind = YNode::Map;
  n.entries.reserve(kv.size());
  for (const auto& [r, i] : keys) n.entries.emplace_back(stringNode(kv[i].first), std::move(kv[i].second));
  return n;
}

// JSON-valid UTF-8: what json.Marshal then Unmarshal gives for a Go string.
std::string jsonString(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    Rune r = decodeRune(s, i);
    if (r.r == 0xFFFD && r.width == 1) {
      appendRune(out, 0xFFFD);
    } else {
      out.append(s, i, static_cast<std::size_t>(r.width));
    }
    i += static_cast<std::size_t>(r.width);
  }
  return out;
}

YNode fromVal(const Val& v0, int depth) {
  if (depth > 10000) throw BuildError{"json: unsupported value: encountered a cycle or too deep a value"};
  Val v = v0.unboxed();
  switch (v.type()) {
    case Type::Invalid:
    case Type::Missing:
    case Type::Nil:
      return scalar("null");
    case Type::Bool:
      return scalar(v.b() ? "true" : "false");
    case Type::Int:
    case Type::Int64:
      return numberNode(std::to_string(v.i()));
    case Type::Uint64:
      return numberNode(std::to_string(v.u()));
    case Type::Float64:
      if (std::isnan(v.f()) || std::isinf(v.f())) {
        throw BuildError{"json: unsupported value: " + formatFloat(v.f(), 'g', -1)};
      }
      return numberNode(jsonFloat(v.f()));
    case Type::String:
      return stringNode(jsonString(v.s()));
    case Type::Bytes: {
      auto r = marshalJson(v);
      return stringNode(r.text.substr(1, r.text.size() - 2));
    }
    case Type::Object:
      return fromJsonValue(v.obj()->json(), depth);
    default:
      break;
  }
  if (v.isMapType()) {
    if (!v.m()) return scalar("null");
    std::vector<std::pair<std::string, YNode>> kv;
    kv.reserve(v.m()->items.size());
    for (const auto& [k, e] : v.m()->items) kv.emplace_back(jsonString(k), fromVal(e, depth + 1));
    return mapNode(std::move(kv));
  }
  if (v.isListType()) {
    if (v.type() == Type::Bytes) return stringNode(v.s());
    if (!v.l()) return scalar("null");
    YNode n;
    n.kind = YNode::Seq;
    for (const auto& e : v.l()->items) n.items.push_back(fromVal(e, depth + 1));
    return n;
  }
  return scalar("null");
}

YNode fromJsonValue(const Value& j, int depth) {
  if (depth > 10000) throw BuildError{"json: unsupported value: encountered a cycle or too deep a value"};
  switch (j.type()) {
    case Value::value_t::boolean:
      return scalar(j.get<bool>() ? "true" : "false");
    case Value::value_t::number_integer:
      return numberNode(std::to_string(j.get<std::int64_t>()));
    case Value::value_t::number_unsigned:
      return numberNode(std::to_string(j.get<std::uint64_t>()));
    case Value::value_t::number_float: {
      double f = j.get<double>();
      if (std::isnan(f) || std::isinf(f))
        throw BuildError{"json: unsupported value: " + formatFloat(f, 'g', -1)};
      return numberNode(jsonFloat(f));
    }
    case Value::value_t::string:
      return stringNode(jsonString(j.get<std::string>()));
    case Value::value_t::array: {
      YNode n;
      n.kind = YNode::Seq;
      for (const auto& e : j) n.items.push_back(fromJsonValue(e, depth + 1));
      return n;
    }
    case Value::value_t::object: {
      std::vector<std::pair<std::string, YNode>> kv;
      for (const auto& [k, e] : j.items()) kv.emplace_back(jsonString(k), fromJsonValue(e, depth + 1));
      return mapNode(std::move(kv));
    }
    default:
      return scalar("null");
  }
}

// ---- the emitter ----

bool isBreakAt(const std::string& b, std::size_t i) {
  auto c = [&](std::size_t k) { return k < b.size() ? static_cast<unsigned char>(b[k]) : 0; };
  return c(i) == '\r' || c(i) == '\n' || (c(i) == 0xC2 && c(i + 1) == 0x85) ||
         (c(i) == 0xE2 && c(i + 1) == 0x80 && (c(i + 2) == 0xA8 || c(i + 2) == 0xA9));
}
bool isSpaceAt(const std::string& b, std::size_t i) {
  return i < b.size() && b[i] == ' ';
}
bool isBlankAt(const std::string& b, std::size_t i) {
  return i < b.size() && (b[i] == ' ' || b[i] == '\t');
}
bool isBlankzAt(const std::string& b, std::size_t i) {
  return i >= b.size() || isBlankAt(b, i) || isBreakAt(b, i) || b[i] == 0;
}
int widthOf(unsigned char c) {
  if ((c & 0x80) == 0) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 0;
}
bool isPrintableAt(const std::string& b, std::size_t i) {
  auto c = [&](std::size_t k) { return k < b.size() ? static_cast<unsigned char>(b[k]) : 0; };
  unsigned char x = c(i);
  return x == 0x0A || (x >= 0x20 && x <= 0x7E) || (x == 0xC2 && c(i + 1) >= 0xA0) || (x > 0xC2 && x < 0xED) ||
         (x == 0xED && c(i + 1) < 0xA0) || x == 0xEE ||
         (x == 0xEF && !(c(i + 1) == 0xBB && c(i + 2) == 0xBF) &&
          !(c(i + 1) == 0xBF && (c(i + 2) == 0xBE || c(i + 2) == 0xBF)));
}

struct ScalarData {
  bool multiline = false;
  bool flowPlainAllowed = false;
  bool blockPlainAllowed = false;
  bool singleQuotedAllowed = false;
  bool blockAllowed = false;
};

ScalarData analyzeScalar(const std::string& value) {
  ScalarData d;
  if (value.empty()) {
    d.blockPlainAllowed = true;
    d.singleQuotedAllowed = true;
    return d;
  }
  bool blockIndicators = false, flowIndicators = false, lineBreaks = false, special = false;
  bool leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false;
  bool breakSpace = false, spaceBreak = false, precededByWhitespace = true, previousSpace = false,
       previousBreak = false;
  if (value.size() >= 3 && (value.compare(0, 3, "---") == 0 || value.compare(0, 3, "...") == 0)) {
    blockIndicators = true;
    flowIndicators = true;
  }
  for (std::size_t i = 0, w = 0; i < value.size(); i += w) {
    w = static_cast<std::size_t>(std::max(1, widthOf(static_cast<unsigned char>(value[i]))));
    bool followedByWhitespace = i + w >= value.size() || isBlankAt(value, i + w);
    char c = value[i];
    if (i == 0) {
      switch (c) {
        case '#':
        case ',':
        case '[':
        case ']':
        case '{':
        case '}':
        case '&':
        case '*':
        case '!':
        case '|':
        case '>':
        case '\'':
        case '"':
        case '%':
        case '@':
        case '`':
          flowIndicators = true;
          blockIndicators = true;
          break;
        case '?':
        case ':':
          flowIndicators = true;
          if (followedByWhitespace) blockIndicators = true;
          break;
        case '-':
          if (followedByWhitespace) {
            flowIndicators = true;
            blockIndicators = true;
          }
          break;
        default:
          break;
      }
    } else {
      switch (c) {
        case ',':
        case '?':
        case '[':
        case ']':
        case '{':
        case '}':
          flowIndicators = true;
          break;
        case ':':
          flowIndicators = true;
          if (followedByWhitespace) blockIndicators = true;
          break;
        case '#':
          if (precededByWhitespace) {
            flowIndicators = true;
            blockIndicators = true;
          }
          break;
        default:
          break;
      }
    }
    if (!isPrintableAt(value, i)) special = true;  // the emitter is in unicode mode
    if (isSpaceAt(value, i)) {
      if (i == 0) leadingSpace = true;
      if (i + w == value.size()) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreakAt(value, i)) {
      lineBreaks = true;
      if (i == 0) leadingBreak = true;
      if (i + w == value.size()) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankzAt(value, i);
  }
  d.multiline = lineBreaks;
  d.flowPlainAllowed = d.blockPlainAllowed = d.singleQuotedAllowed = d.blockAllowed = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak)
    d.flowPlainAllowed = d.blockPlainAllowed = false;
  if (trailingSpace) d.blockAllowed = false;
  if (breakSpace) d.flowPlainAllowed = d.blockPlainAllowed = d.singleQuotedAllowed = false;
  if (spaceBreak || special)
    d.flowPlainAllowed = d.blockPlainAllowed = d.singleQuotedAllowed = d.blockAllowed = false;
  if (lineBreaks) d.flowPlainAllowed = d.blockPlainAllowed = false;
  if (flowIndicators) d.flowPlainAllowed = false;
  if (blockIndicators) d.blockPlainAllowed = false;
  return d;
}

class Emitter {
 public:
  std::string out;

  void document(const YNode& root) {
    // stream start, implicit document start
    indent_ = -1;
    column_ = 0;
    whitespace_ = true;
    indention_ = true;
    emitNode(root, true, false, false, false);
    // implicit document end
    writeIndent();
  }

 private:
  static constexpr int kBestIndent = 2;
  static constexpr int kBestWidth = 80;
  int indent_ = -1;
  std::vector<int> indents_;
  int column_ = 0;
  bool whitespace_ = true;
  bool indention_ = true;
  int flowLevel_ = 0;
  bool rootContext_ = false, sequenceContext_ = false, mappingContext_ = false, simpleKeyContext_ = false;

  void put(char c) {
    out.push_back(c);
    ++column_;
  }
  void putBreak() {
    out.push_back('\n');
    column_ = 0;
  }
  void write(const std::string& s, std::size_t& i) {
    int w = std::max(1, widthOf(static_cast<unsigned char>(s[i])));
    out.append(s, i, static_cast<std::size_t>(w));
    ++column_;
    i += static_cast<std::size_t>(w);
  }
  void writeAll(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) write(s, i);
  }
  void writeBreak(const std::string& s, std::size_t& i) {
    if (s[i] == '\n') {
      putBreak();
      ++i;
    } else {
      write(s, i);
      column_ = 0;
    }
  }
  void increaseIndent(bool flow, bool indentless) {
    indents_.push_back(indent_);
    if (indent_ < 0) {
      indent_ = flow ? kBestIndent : 0;
    } else if (!indentless) {
      indent_ += kBestIndent;
    }
  }
  void popIndent() {
    indent_ = indents_.back();
    indents_.pop_back();
  }
  void writeIndent() {
    int indent = std::max(indent_, 0);
    if (!indention_ || column_ > indent || (column_ == indent && !whitespace_)) putBreak();
    while (column_ < indent) put(' ');
    whitespace_ = true;
    indention_ = true;
  }
  void writeIndicator(const std::string& ind, bool needWhitespace, bool isWhitespace, bool isIndention) {
    if (needWhitespace && !whitespace_) put(' ');
    writeAll(ind);
    whitespace_ = isWhitespace;
    indention_ = indention_ && isIndention;
  }

  static bool isEmptyCollection(const YNode& n) {
    return (n.kind == YNode::Seq && n.items.empty()) || (n.kind == YNode::Map && n.entries.empty());
  }

  bool checkSimpleKey(const YNode& n) const {
    if (n.kind == YNode::Scalar) {
      ScalarData d = analyzeScalar(n.value);
      if (d.multiline) return false;
      return n.value.size() <= 128;
    }
    return isEmptyCollection(n);
  }

  void emitNode(const YNode& n, bool root, bool sequence, bool mapping, bool simpleKey) {
    rootContext_ = root;
    sequenceContext_ = sequence;
    mappingContext_ = mapping;
    simpleKeyContext_ = simpleKey;
    switch (n.kind) {
      case YNode::Scalar:
        emitScalar(n);
        return;
      case YNode::Seq:
        if (flowLevel_ > 0 || n.items.empty()) {
          emitFlowSequence(n);
        } else {
          emitBlockSequence(n);
        }
        return;
      case YNode::Map:
        if (flowLevel_ > 0 || n.entries.empty()) {
          emitFlowMapping(n);
        } else {
          emitBlockMapping(n);
        }
        return;
    }
  }

  void emitFlowSequence(const YNode& n) {
    writeIndicator("[", true, true, false);
    increaseIndent(true, false);
    ++flowLevel_;
    bool first = true;
    for (const auto& item : n.items) {
      if (!first) writeIndicator(",", false, false, false);
      first = false;
      if (column_ > kBestWidth) writeIndent();
      emitNode(item, false, true, false, false);
    }
    --flowLevel_;
    popIndent();
    writeIndicator("]", false, false, false);
  }

  void emitFlowMapping(const YNode& n) {
    writeIndicator("{", true, true, false);
    increaseIndent(true, false);
    ++flowLevel_;
    bool first = true;
    for (const auto& [k, v] : n.entries) {
      if (!first) writeIndicator(",", false, false, false);
      first = false;
      if (column_ > kBestWidth) writeIndent();
      if (checkSimpleKey(k)) {
        emitNode(k, false, false, true, true);
        writeIndicator(":", false, false, false);
      } else {
        writeIndicator("?", true, false, false);
        emitNode(k, false, false, true, false);
        if (column_ > kBestWidth) writeIndent();
        writeIndicator(":", true, false, false);
      }
      emitNode(v, false, false, true, false);
    }
    --flowLevel_;
    popIndent();
    writeIndicator("}", false, false, false);
  }

  void emitBlockSequence(const YNode& n) {
    increaseIndent(false, mappingContext_ && !indention_);
    for (const auto& item : n.items) {
      writeIndent();
      writeIndicator("-", true, false, true);
      emitNode(item, false, true, false, false);
    }
    popIndent();
  }

  void emitBlockMapping(const YNode& n) {
    increaseIndent(false, false);
    for (const auto& [k, v] : n.entries) {
      writeIndent();
      if (checkSimpleKey(k)) {
        emitNode(k, false, false, true, true);
        writeIndicator(":", false, false, false);
      } else {
        writeIndicator("?", true, false, true);
        emitNode(k, false, false, true, false);
        writeIndent();
        writeIndicator(":", true, false, true);
      }
      emitNode(v, false, false, true, false);
    }
    popIndent();
  }

  void emitScalar(const YNode& n) {
    ScalarData d = analyzeScalar(n.value);
    Style style = n.style;
    if (simpleKeyContext_ && d.multiline) style = Style::Double;
    if (style == Style::Plain) {
      if ((flowLevel_ > 0 && !d.flowPlainAllowed) || (flowLevel_ == 0 && !d.blockPlainAllowed))
        style = Style::Single;
      if (n.value.empty() && (flowLevel_ > 0 || simpleKeyContext_)) style = Style::Single;
    }
    if (style == Style::Single && !d.singleQuotedAllowed) style = Style::Double;
    if (style == Style::Literal && (!d.blockAllowed || flowLevel_ > 0 || simpleKeyContext_))
      style = Style::Double;
    increaseIndent(true, false);
    switch (style) {
      case Style::Plain:
        writePlain(n.value, !simpleKeyContext_);
        break;
      case Style::Single:
        writeSingle(n.value, !simpleKeyContext_);
        break;
      case Style::Double:
        writeDouble(n.value, !simpleKeyContext_);
        break;
      case Style::Literal:
        writeLiteral(n.value);
        break;
    }
    popIndent();
  }

  void writePlain(const std::string& value, bool allowBreaks) {
    if (!whitespace_) put(' ');
    bool spaces = false, breaks = false;
    for (std::size_t i = 0; i < value.size();) {
      if (isSpaceAt(value, i)) {
        if (allowBreaks && !spaces && column_ > kBestWidth && !isSpaceAt(value, i + 1)) {
          writeIndent();
          i += 1;
        } else {
          write(value, i);
        }
        spaces = true;
      } else if (isBreakAt(value, i)) {
        if (!breaks && value[i] == '\n') putBreak();
        writeBreak(value, i);
        indention_ = true;
        breaks = true;
      } else {
        if (breaks) writeIndent();
        write(value, i);
        indention_ = false;
        spaces = false;
        breaks = false;
      }
    }
    whitespace_ = false;
    indention_ = false;
  }

  void writeSingle(const std::string& value, bool allowBreaks) {
    writeIndicator("'", true, false, false);
    bool spaces = false, breaks = false;
    for (std::size_t i = 0; i < value.size();) {
      if (isSpaceAt(value, i)) {
        if (allowBreaks && !spaces && column_ > kBestWidth && i > 0 && i < value.size() - 1 &&
            !isSpaceAt(value, i + 1)) {
          writeIndent();
          i += 1;
        } else {
          write(value, i);
        }
        spaces = true;
      } else if (isBreakAt(value, i)) {
        if (!breaks && value[i] == '\n') putBreak();
        writeBreak(value, i);
        indention_ = true;
        breaks = true;
      } else {
        if (breaks) writeIndent();
        if (value[i] == '\'') put('\'');
        write(value, i);
        indention_ = false;
        spaces = false;
        breaks = false;
      }
    }
    writeIndicator("'", false, false, false);
    whitespace_ = false;
    indention_ = false;
  }

  void writeDouble(const std::string& value, bool allowBreaks) {
    bool spaces = false;
    writeIndicator("\"", true, false, false);
    bool bom = value.size() >= 3 && static_cast<unsigned char>(value[0]) == 0xEF &&
               static_cast<unsigned char>(value[1]) == 0xBB && static_cast<unsigned char>(value[2]) == 0xBF;
    for (std::size_t i = 0; i < value.size();) {
      if (!isPrintableAt(value, i) || bom || isBreakAt(value, i) || value[i] == '"' || value[i] == '\\') {
        auto octet = static_cast<unsigned char>(value[i]);
        int w = 1;
        char32_t v = octet & 0x7F;
        if ((octet & 0x80) == 0) {
          w = 1;
          v = octet & 0x7F;
        } else if ((octet & 0xE0) == 0xC0) {
          w = 2;
          v = octet & 0x1F;
        } else if ((octet & 0xF0) == 0xE0) {
          w = 3;
          v = octet & 0x0F;
        } else if ((octet & 0xF8) == 0xF0) {
          w = 4;
          v = octet & 0x07;
        }
        for (int k = 1; k < w && i + static_cast<std::size_t>(k) < value.size(); ++k) {
          v = (v << 6) + (static_cast<unsigned char>(value[i + static_cast<std::size_t>(k)]) & 0x3F);
        }
        i += static_cast<std::size_t>(w);
        put('\\');
        switch (v) {
          case 0x00:
            put('0');
            break;
          case 0x07:
            put('a');
            break;
          case 0x08:
            put('b');
            break;
          case 0x09:
            put('t');
            break;
          case 0x0A:
            put('n');
            break;
          case 0x0B:
            put('v');
            break;
          case 0x0C:
            put('f');
            break;
          case 0x0D:
            put('r');
            break;
          case 0x1B:
            put('e');
            break;
          case 0x22:
            put('"');
            break;
          case 0x5C:
            put('\\');
            break;
          case 0x85:
            put('N');
            break;
          case 0xA0:
            put('_');
            break;
          case 0x2028:
            put('L');
            break;
          case 0x2029:
            put('P');
            break;
          default: {
            int digits;
            if (v <= 0xFF) {
              put('x');
              digits = 2;
            } else if (v <= 0xFFFF) {
              put('u');
              digits = 4;
            } else {
              put('U');
              digits = 8;
            }
            for (int k = (digits - 1) * 4; k >= 0; k -= 4) {
              auto digit = static_cast<char>((v >> k) & 0x0F);
              put(digit < 10 ? static_cast<char>(digit + '0') : static_cast<char>(digit + 'A' - 10));
            }
          }
        }
        spaces = false;
      } else if (isSpaceAt(value, i)) {
        if (allowBreaks && !spaces && column_ > kBestWidth && i > 0 && i < value.size() - 1) {
          writeIndent();
          if (isSpaceAt(value, i + 1)) put('\\');
          i += 1;
        } else {
          write(value, i);
        }
        spaces = true;
      } else {
        write(value, i);
        spaces = false;
      }
    }
    writeIndicator("\"", false, false, false);
    whitespace_ = false;
    indention_ = false;
  }

  void blockScalarHints(const std::string& value) {
    if (isSpaceAt(value, 0) || isBreakAt(value, 0))
      writeIndicator(std::string(1, static_cast<char>('0' + kBestIndent)), false, false, false);
    char chomp = 0;
    if (value.empty()) {
      chomp = '-';
    } else {
      std::size_t i = value.size() - 1;
      while (i > 0 && (static_cast<unsigned char>(value[i]) & 0xC0) == 0x80) --i;
      if (!isBreakAt(value, i)) {
        chomp = '-';
      } else if (i == 0) {
        chomp = '+';
      } else {
        --i;
        while (i > 0 && (static_cast<unsigned char>(value[i]) & 0xC0) == 0x80) --i;
        if (isBreakAt(value, i)) chomp = '+';
      }
    }
    if (chomp) writeIndicator(std::string(1, chomp), false, false, false);
  }

  void writeLiteral(const std::string& value) {
    writeIndicator("|", true, false, false);
    blockScalarHints(value);
    putBreak();
    indention_ = true;
    whitespace_ = true;
    bool breaks = true;
    for (std::size_t i = 0; i < value.size();) {
      if (isBreakAt(value, i)) {
        writeBreak(value, i);
        indention_ = true;
        breaks = true;
      } else {
        if (breaks) writeIndent();
        write(value, i);
        indention_ = false;
        breaks = false;
      }
    }
  }
};

}  // namespace

YamlResult marshalYaml(const Val& v, std::string& out) {
  YNode root;
  try {
    root = fromVal(v, 0);
  } catch (BuildError& e) {
    return {false, "error marshaling into JSON: " + e.message};
  }
  Emitter em;
  em.document(root);
  out = std::move(em.out);
  return {true, ""};
}

}  // namespace iop::tmpl::detail

namespace iop::tmpl {

Result<std::string> toYaml(const Value& value) {
  detail::YNode root;
  try {
    root = detail::fromJsonValue(value, 0);
  } catch (detail::BuildError& e) {
    return Error{"error marshaling into JSON: " + e.message};
  }
  detail::Emitter em;
  em.document(root);
  return std::move(em.out);
}

}  // namespace iop::tmpl
