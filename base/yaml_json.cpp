#include "base/yaml_json.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

namespace iop::base {

using nlohmann::json;

namespace {

bool digits(const std::string& s, std::size_t& i) {
  const std::size_t start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return i > start;
}

}  // namespace

// YAML 1.2 core schema: [-+]?(0|[1-9][0-9]*). Hand-written rather than std::regex, whose
// backtracking recurses once per character and overflows the stack on long inputs.
bool isYamlInt(const std::string& s) {
  std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i >= s.size()) return false;
  if (s[i] == '0') return i + 1 == s.size();
  std::size_t end = i;
  return digits(s, end) && end == s.size();
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool isYamlFloat(const std::string& s) {
  std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits(s, i)) return false;
  } else {
    if (!digits(s, i)) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits(s, i);
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (!digits(s, i)) return false;
  }
  return i == s.size();
}

namespace {

bool isYamlNull(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

bool isYamlBool(const std::string& s) {
  return s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE";
}

std::string where(const YAML::Mark& mark) {
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
}

// A control character other than tab, line feed and carriage return: YAML's printable set
// excludes them, and the Kubernetes objects values end up in have no use for them (a NUL in a
// name or a ConfigMap is at best truncated somewhere downstream).
std::size_t controlCharAt(const std::string& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) return i;
  }
  return std::string::npos;
}

std::string controlCharName(unsigned char c) {
  if (c == 0) return "a NUL byte";
  static const char* hex = "0123456789ABCDEF";
  return std::string("the control character U+00") + hex[c >> 4] + hex[c & 15];
}

// Builds JSON from yaml-cpp's parse events, one document at a time, holding every limit as it
// goes: nothing is materialised before it is counted. Aliases copy their anchor's finished
// value; an alias to an anchor still open (a node containing itself) is a cycle and refused.
class JsonBuilder : public YAML::EventHandler {
 public:
  JsonBuilder(const YamlLimits& limits, std::size_t& nodes) : limits_(limits), nodes_(nodes) {}

  json take() { return std::move(result_); }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnAnchor(const YAML::Mark&, const std::string& name) override { anchorName_ = name; }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    mark_ = mark;
    if (expectingKey()) return setKey("null");
    add(nullptr, anchor, {1, 0, 0});
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    mark_ = mark;
    if (auto bad = controlCharAt(value); bad != std::string::npos)
      fail(childPath(),
           controlCharName(static_cast<unsigned char>(value[bad])) + " is not allowed in a value");
    if (expectingKey()) {
      if (anchor) remember(anchor, json(value), {1, value.size(), 0});
      return setKey(value);
    }
    add(scalar(value, tag), anchor, {1, value.size(), 0});
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    mark_ = mark;
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      for (const auto& f : stack_)
        if (f.anchor == anchor)
          fail(childPath(), "the alias refers to a node that contains it (a cycle of aliases)");
      fail(childPath(), "an alias to an unknown anchor");
    }
    const Anchor& a = it->second;
    aliasNodes_ += a.size.nodes;
    aliasBytes_ += a.size.bytes;
    if (aliasNodes_ > limits_.maxAliasNodes || aliasBytes_ > limits_.maxAliasBytes)
      fail(childPath(), "aliases expand to more than " + std::to_string(limits_.maxAliasNodes) +
                            " values or " + std::to_string(limits_.maxAliasBytes) +
                            " bytes in total (an alias repeats its anchor's whole value)");
    if (expectingKey()) {
      if (!a.value.is_string()) fail(childPath(), "an alias used as a map key must name a string");
      return setKey(a.value.get<std::string>());
    }
    add(a.value, 0, a.size);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor, json::array());
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor, json::object());
  }
  void OnMapEnd() override { close(); }

 private:
  struct Size {
    std::size_t nodes = 0;
    std::size_t bytes = 0;
    std::size_t height = 0;  // levels of maps and lists inside, 0 for a scalar
  };
  struct Frame {
    json value;
    YAML::anchor_t anchor = 0;
    std::string path;
    std::string key;
    bool haveKey = false;
    Size size{1, 0, 0};
  };
  struct Anchor {
    json value;
    Size size;
  };

  bool expectingKey() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().haveKey;
  }

  std::string childPath() const {
    if (stack_.empty()) return "";
    const Frame& f = stack_.back();
    if (f.value.is_array()) return f.path + "[" + std::to_string(f.value.size()) + "]";
    if (!f.haveKey) return f.path;
    return f.path.empty() ? f.key : f.path + "." + f.key;
  }

  [[noreturn]] void fail(const std::string& path, const std::string& message) const {
    throw YamlError(path, (path.empty() ? "" : path + ": ") + message + " (" + where(mark_) + ")");
  }

  void setKey(const std::string& key) {
    Frame& f = stack_.back();
    if (f.value.contains(key))
      fail(f.path.empty() ? key : f.path + "." + key,
           "the key \"" + key + "\" is given twice in this map (YAML forbids it; which one should win?)");
    f.key = key;
    f.haveKey = true;
  }

  void remember(YAML::anchor_t anchor, const json& value, const Size& size) {
    anchors_[anchor] = Anchor{value, size};
    anchorName_.clear();
  }

  void count(const Size& size) {
    nodes_ += size.nodes;
    if (nodes_ > limits_.maxNodes)
      fail(childPath(), "more than " + std::to_string(limits_.maxNodes) + " values in one input");
    if (stack_.size() + size.height > limits_.maxDepth)
      fail(childPath(),
           "maps and lists nested more than " + std::to_string(limits_.maxDepth) + " levels deep");
  }

  void add(json value, YAML::anchor_t anchor, const Size& size) {
    count(size);
    if (anchor) remember(anchor, value, size);
    if (stack_.empty()) {
      result_ = std::move(value);
      return;
    }
    Frame& f = stack_.back();
    f.size.nodes += size.nodes;
    f.size.bytes += size.bytes;
    f.size.height = std::max(f.size.height, size.height + 1);
    if (f.value.is_array()) {
      f.value.push_back(std::move(value));
    } else {
      f.value[f.key] = std::move(value);
      f.haveKey = false;
    }
  }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor, json empty) {
    mark_ = mark;
    if (expectingKey()) fail(childPath(), "a map key must be a plain value, not a map or a list");
    std::string path = childPath();
    if (stack_.size() + 1 > limits_.maxDepth)
      fail(path, "maps and lists nested more than " + std::to_string(limits_.maxDepth) + " levels deep");
    stack_.push_back(Frame{std::move(empty), anchor, std::move(path)});
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    // The container itself was not counted when it opened; its contents were, one by one.
    nodes_ -= f.size.nodes - 1;
    add(std::move(f.value), f.anchor, f.size);
  }

  json scalar(const std::string& s, const std::string& tag) const {
    if (tag != "?") return s;  // quoted or explicitly tagged: a string
    if (isYamlNull(s)) return nullptr;
    if (isYamlBool(s)) return s[0] == 't' || s[0] == 'T';
    if (isYamlInt(s)) {
      long long v = 0;
      const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
      auto [end, ec] = std::from_chars(begin, s.data() + s.size(), v);
      if (ec == std::errc() && end == s.data() + s.size()) return v;
      // Beyond 64 bits: a float, as Go's YAML reads it, unless no double holds it either.
    }
    if (isYamlInt(s) || isYamlFloat(s)) {
      double d = std::strtod(s.c_str(), nullptr);
      if (!std::isfinite(d))
        fail(childPath(), "the number " + (s.size() > 40 ? s.substr(0, 40) + "..." : s) +
                              " is out of range (quote it if it is meant as a string)");
      return d;
    }
    return s;
  }

  const YamlLimits& limits_;
  std::size_t& nodes_;  // shared by the documents of one text
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Anchor> anchors_;
  std::string anchorName_;
  std::size_t aliasNodes_ = 0, aliasBytes_ = 0;
  YAML::Mark mark_ = YAML::Mark::null_mark();
  json result_;
};

bool needsQuotes(const std::string& s) {
  if (isYamlNull(s) || isYamlBool(s) || isYamlInt(s) || isYamlFloat(s)) return true;
  // YAML 1.1's booleans: Go's YAML library (and so kubectl) still reads them as bools.
  static const char* kYaml11[] = {"y",  "Y",  "yes", "Yes", "YES", "n",   "N",   "no",
                                  "No", "NO", "on",  "On",  "ON",  "off", "Off", "OFF"};
  for (const char* w : kYaml11)
    if (s == w) return true;
  return false;
}

void emit(YAML::Emitter& out, const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [k, child] : v.items()) {
        out << YAML::Key << k << YAML::Value;
        emit(out, child);
      }
      out << YAML::EndMap;
      break;
    case json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& child : v) emit(out, child);
      out << YAML::EndSeq;
      break;
    case json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      // A literal block reads back with exactly one trailing newline ("clip"), and yaml-cpp
      // cannot write "|-", so only strings ending in one newline use it.
      if (s.find('\n') != std::string::npos && s.back() == '\n' && (s.size() < 2 || s[s.size() - 2] != '\n'))
        out << YAML::Literal << s;
      else if (needsQuotes(s))
        out << YAML::DoubleQuoted << s;
      else
        out << s;
      break;
    }
    case json::value_t::boolean:
      out << (v.get<bool>() ? "true" : "false");
      break;
    case json::value_t::number_integer:
      out << v.get<long long>();
      break;
    case json::value_t::number_unsigned:
      out << v.get<unsigned long long>();
      break;
    case json::value_t::number_float:
      out << v.dump();
      break;
    default:
      out << YAML::Null;
  }
}

// Offset of the first byte of `text` that is not part of well-formed UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or npos. YAML requires UTF-8 here, and JSON
// (what every object becomes) cannot carry anything else: nlohmann::json::dump() throws on it.
size_t invalidUtf8At(const std::string& text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > n || p[i + 1] < lo || p[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return i;
    i += len;
  }
  return std::string::npos;
}

// The documents of a YAML stream, split at "---" lines (a document marker at column 0 cannot
// be document content). yaml-cpp 0.7's LoadAll loops forever, allocating, on some malformed
// streams (",- &a": jbeder/yaml-cpp#1319, found by fuzzing), while Load parses one document
// and stops. Chunks with nothing but blank and comment lines are no documents, as for LoadAll.
std::vector<std::string> splitDocuments(const std::string& text) {
  std::vector<std::string> out;
  std::string chunk;
  bool content = false;
  auto flush = [&] {
    if (content) out.push_back(chunk);
    chunk.clear();
    content = false;
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos + 1);
    pos = end == std::string::npos ? text.size() : end + 1;
    bool marker =
        line.rfind("---", 0) == 0 && (line.size() == 3 || std::isspace(static_cast<unsigned char>(line[3])));
    if (marker) {
      flush();
      // "--- value" starts a document on the marker line itself.
      if (line.find_first_not_of(" \t\r\n", 3) != std::string::npos) content = true;
    } else {
      size_t first = line.find_first_not_of(" \t\r\n");
      if (first != std::string::npos && line[first] != '#') content = true;
    }
    chunk += line;
  }
  flush();
  return out;
}

// Where yaml-cpp's LoadAll would loop, parsing stops early: refuse a chunk with input left over
// after its one document.
json parseOne(const std::string& doc, const YamlLimits& limits, std::size_t& nodes) {
  JsonBuilder builder(limits, nodes);
  std::istringstream in(doc);
  YAML::Parser parser(in);
  parser.HandleNextDocument(builder);
  if (parser) throw YAML::ParserException(YAML::Mark::null_mark(), "unexpected content after the document");
  return builder.take();
}

std::string lineAndColumn(const std::string& text, std::size_t at) {
  std::size_t lineStart = at == 0 ? std::string::npos : text.rfind('\n', at - 1);
  lineStart = lineStart == std::string::npos ? 0 : lineStart + 1;
  return "line " + std::to_string(std::count(text.begin(), text.begin() + at, '\n') + 1) + ", column " +
         std::to_string(at - lineStart + 1);
}

}  // namespace

std::vector<json> yamlDocumentsToJson(const std::string& text, const YamlLimits& limits) {
  if (text.size() > limits.maxBytes)
    throw YamlError("", "the input is " + std::to_string(text.size()) + " bytes; at most " +
                            std::to_string(limits.maxBytes) + " are read");
  if (size_t bad = invalidUtf8At(text); bad != std::string::npos)
    throw YamlError("", "not UTF-8: invalid byte at " + lineAndColumn(text, bad));
  if (size_t bad = controlCharAt(text); bad != std::string::npos)
    throw YamlError("", controlCharName(static_cast<unsigned char>(text[bad])) + " at " +
                            lineAndColumn(text, bad) +
                            " (YAML allows no control characters but tab and newline)");
  std::vector<json> docs;
  std::size_t nodes = 0;
  try {
    for (const auto& doc : splitDocuments(text)) docs.push_back(parseOne(doc, limits, nodes));
  } catch (const YAML::Exception& e) {
    throw YamlError("", "YAML syntax error at line " + std::to_string(e.mark.line + 1) + ", column " +
                            std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return docs;
}

std::string jsonToYaml(const json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  out.SetMapFormat(YAML::Block);
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

}  // namespace iop::base
