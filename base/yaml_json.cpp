#include "base/yaml_json.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace iop::base {
namespace {

using nlohmann::json;

// YAML 1.2 core schema; the Go YAML library istioctl uses reads the same plain scalars as
// non-strings (it also accepts yes/no only in YAML 1.1 mode, which sigs.k8s.io/yaml does not use).
const std::regex kInt(R"(^[-+]?(0|[1-9][0-9]*)$)");
const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
const std::regex kNull(R"(^(~|null|Null|NULL)$)");
const std::regex kBool(R"(^(true|True|TRUE|false|False|FALSE)$)");

json scalarToJson(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() != "?") return s;  // quoted or explicitly tagged: a string
  if (s.empty() || std::regex_match(s, kNull)) return nullptr;
  if (std::regex_match(s, kBool)) return s[0] == 't' || s[0] == 'T';
  if (std::regex_match(s, kInt)) {
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == 0) return v;
  }
  if (std::regex_match(s, kFloat) && s != "." && s != "+." && s != "-.")
    return std::strtod(s.c_str(), nullptr);
  return s;
}

json nodeToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return scalarToJson(node);
    case YAML::NodeType::Sequence: {
      json arr = json::array();
      for (const auto& item : node) arr.push_back(nodeToJson(item));
      return arr;
    }
    case YAML::NodeType::Map: {
      json obj = json::object();
      for (const auto& kv : node) obj[kv.first.as<std::string>()] = nodeToJson(kv.second);
      return obj;
    }
  }
  return nullptr;
}

bool needsQuotes(const std::string& s) {
  if (s.empty()) return true;
  if (std::regex_match(s, kInt) || std::regex_match(s, kFloat) || std::regex_match(s, kNull) ||
      std::regex_match(s, kBool))
    return true;
  static const std::regex kYaml11(R"(^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$)");
  return std::regex_match(s, kYaml11);
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

// Where LoadAll would loop, Load stops early and returns null, silently dropping the rest of
// the chunk: parse the chunk once more, event by event, and refuse it when input is left over.
void requireOneDocument(const std::string& doc) {
  struct Ignore : YAML::EventHandler {
    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  } ignore;
  std::istringstream in(doc);
  YAML::Parser parser(in);
  parser.HandleNextDocument(ignore);
  if (parser) throw YAML::ParserException(YAML::Mark::null_mark(), "unexpected content after the document");
}

}  // namespace

std::vector<json> yamlDocumentsToJson(const std::string& text) {
  if (size_t bad = invalidUtf8At(text); bad != std::string::npos) {
    size_t lineStart = text.rfind('\n', bad == 0 ? 0 : bad - 1);
    lineStart = lineStart == std::string::npos || bad == 0 ? 0 : lineStart + 1;
    throw std::runtime_error("not UTF-8: invalid byte at line " +
                             std::to_string(std::count(text.begin(), text.begin() + bad, '\n') + 1) +
                             ", column " + std::to_string(bad - lineStart + 1));
  }
  // YAML's printable characters exclude the C0 controls but tab, LF and CR, and DEL: yaml-cpp
  // reads e.g. a NUL in a plain scalar into bytes that are not UTF-8 (found by the overlays fuzzer),
  // which JSON cannot hold.
  if (auto bad = std::find_if(text.begin(), text.end(),
                              [](char ch) {
                                auto c = static_cast<unsigned char>(ch);
                                return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F;
                              });
      bad != text.end()) {
    size_t at = static_cast<size_t>(bad - text.begin());
    size_t lineStart = text.rfind('\n', at == 0 ? 0 : at - 1);
    lineStart = lineStart == std::string::npos || at == 0 ? 0 : lineStart + 1;
    char code[8];
    std::snprintf(code, sizeof code, "0x%02X", static_cast<unsigned char>(*bad));
    throw std::runtime_error(std::string("control character ") + code + " at line " +
                             std::to_string(std::count(text.begin(), bad, '\n') + 1) + ", column " +
                             std::to_string(at - lineStart + 1) +
                             ": YAML allows none but tab and line breaks");
  }
  std::vector<json> docs;
  try {
    for (const auto& doc : splitDocuments(text)) {
      requireOneDocument(doc);
      docs.push_back(nodeToJson(YAML::Load(doc)));
    }
  } catch (const YAML::Exception& e) {
    throw std::runtime_error("YAML syntax error at line " + std::to_string(e.mark.line + 1) + ", column " +
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
