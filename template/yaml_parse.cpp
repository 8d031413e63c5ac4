// sigs.k8s.io/yaml.Unmarshal into interface{}: yaml-cpp parses the structure; go-yaml v2's rules
// are applied on top (YAML 1.1 resolution of plain scalars, merge keys, key conversion of
// convertToJSONableObject), then what the JSON round trip does (numbers become float64, NaN and
// infinities are errors, strings become valid UTF-8).

#include <yaml-cpp/yaml.h>

#include <cmath>

#include "template/go_fmt.h"
#include "template/go_yaml.h"
#include "template/strconv.h"
#include "template/value.h"
#include "template/yaml_resolve.h"

namespace iop::tmpl::detail {

namespace {

// yaml-cpp 0.7 recurses once per nesting level without a bound; a document nested deeper than
// this is refused before it is parsed (go-yaml refuses past 10000).
constexpr int kMaxNesting = 1000;
// Nodes one document may expand to through aliases (go-yaml's "excessive aliasing").
constexpr std::size_t kMaxNodes = 5'000'000;

struct Failure {
  std::string message;
};

bool tooDeep(std::string_view text) {
  int flow = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    // One line: its indentation and the block indicators on it bound the block nesting it opens.
    std::size_t lineEnd = text.find('\n', i);
    if (lineEnd == std::string_view::npos) lineEnd = text.size();
    int block = 0;
    std::size_t j = i;
    while (j < lineEnd && (text[j] == ' ' || text[j] == '\t')) {
      ++block;
      ++j;
    }
    for (; j < lineEnd; ++j) {
      char c = text[j];
      if (c == '[' || c == '{') {
        if (++flow > kMaxNesting) return true;
      } else if (c == ']' || c == '}') {
        if (flow > 0) --flow;
      } else if ((c == '-' || c == '?' || c == ':') && (j + 1 == lineEnd || text[j + 1] == ' ')) {
        ++block;
      }
    }
    if (block + flow > kMaxNesting) return true;
    i = lineEnd + 1;
  }
  return false;
}

std::string validUtf8(const std::string& s) {
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

const std::string kStrTag = "tag:yaml.org,2002:str";
const std::string kIntTag = "tag:yaml.org,2002:int";
const std::string kFloatTag = "tag:yaml.org,2002:float";
const std::string kBoolTag = "tag:yaml.org,2002:bool";
const std::string kNullTag = "tag:yaml.org,2002:null";
const std::string kBinaryTag = "tag:yaml.org,2002:binary";
const std::string kTimestampTag = "tag:yaml.org,2002:timestamp";
const std::string kMergeTag = "tag:yaml.org,2002:merge";

// A scalar as go-yaml v2 decodes it into interface{}: the resolved tag and value.
Resolved resolveScalar(const YAML::Node& n) {
  const std::string& tag = n.Tag();
  std::string value = n.Type() == YAML::NodeType::Null ? std::string() : n.Scalar();
  if (n.Type() == YAML::NodeType::Null && (tag == "?" || tag.empty() || tag == "!")) {
    Resolved r;
    r.tag = tag == "!" ? YamlTag::Str : YamlTag::Null;
    return r;
  }
  if (tag == "?" || tag.empty()) return resolvePlain(value);
  if (tag == "!" || tag == kStrTag || tag == kTimestampTag || tag == kBinaryTag) return Resolved{};
  Resolved r = resolvePlain(value);
  auto mismatch = [&](const char* want) {
    throw Failure{"yaml: cannot decode `" + value + "` as a " + want};
  };
  if (tag == kIntTag) {
    if (r.tag != YamlTag::Int && r.tag != YamlTag::Uint) mismatch("!!int");
  } else if (tag == kFloatTag) {
    if (r.tag == YamlTag::Int) {
      r.tag = YamlTag::Float;
      r.f = static_cast<double>(r.i);
    } else if (r.tag != YamlTag::Float) {
      mismatch("!!float");
    }
  } else if (tag == kBoolTag) {
    if (r.tag != YamlTag::Bool) mismatch("!!bool");
  } else if (tag == kNullTag) {
    if (r.tag != YamlTag::Null) mismatch("!!null");
  } else if (tag == kMergeTag) {
    r.tag = YamlTag::Merge;
  } else {
    return Resolved{};  // an application tag: the text, as a string
  }
  return r;
}

class Converter {
 public:
  Val convert(const YAML::Node& n, int depth) {
    if (++nodes_ > kMaxNodes) throw Failure{"yaml: document contains excessive aliasing"};
    if (depth > kMaxNesting) throw Failure{"yaml: exceeded max depth of " + std::to_string(kMaxNesting)};
    switch (n.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
      case YAML::NodeType::Scalar:
        return scalar(n);
      case YAML::NodeType::Sequence: {
        auto l = std::make_shared<ListObj>();
        l->items.reserve(n.size());
        for (const auto& e : n) l->items.push_back(stored(convert(e, depth + 1)));
        return Val::fromList(Type::List, std::move(l));
      }
      case YAML::NodeType::Map: {
        auto m = std::make_shared<MapObj>();
        mapping(n, *m, depth);
        return Val::fromMap(Type::Map, std::move(m));
      }
    }
    return Val::nilIface();
  }

 private:
  std::size_t nodes_ = 0;

  Val scalar(const YAML::Node& n) {
    Resolved r = resolveScalar(n);
    switch (r.tag) {
      case YamlTag::Null:
        return Val::nilIface();
      case YamlTag::Bool:
        return Val::boolean(r.b);
      case YamlTag::Int:
        return Val::float64(static_cast<double>(r.i));
      case YamlTag::Uint:
        return Val::float64(static_cast<double>(r.u));
      case YamlTag::Float:
        if (std::isnan(r.f) || std::isinf(r.f)) {
          throw Failure{"error converting YAML to JSON: json: unsupported value: " +
                        formatFloat(r.f, 'g', -1)};
        }
        return Val::float64(r.f);
      default:
        return Val::string(validUtf8(n.Type() == YAML::NodeType::Null ? std::string() : n.Scalar()));
    }
  }

  // convertToJSONableObject's key conversion.
  std::string key(const YAML::Node& k) {
    if (k.Type() == YAML::NodeType::Map || k.Type() == YAML::NodeType::Sequence) {
      throw Failure{"yaml: invalid map key: a " +
                    std::string(k.Type() == YAML::NodeType::Map ? "map" : "sequence")};
    }
    Resolved r = resolveScalar(k);
    switch (r.tag) {
      case YamlTag::Int:
        return std::to_string(r.i);
      case YamlTag::Float: {
        std::string s = formatFloat32g(r.f);
        if (s == "+Inf") return ".inf";
        if (s == "-Inf") return "-.inf";
        if (s == "NaN") return ".nan";
        return s;
      }
      case YamlTag::Bool:
        return r.b ? "true" : "false";
      case YamlTag::Null:
        throw Failure{"error converting YAML to JSON: unsupported map key of type: <nil>"};
      case YamlTag::Uint:
        throw Failure{"error converting YAML to JSON: unsupported map key of type: uint64"};
      default:
        return validUtf8(k.Type() == YAML::NodeType::Null ? std::string() : k.Scalar());
    }
  }

  static bool isMerge(const YAML::Node& k) {
    return k.Type() == YAML::NodeType::Scalar && k.Scalar() == "<<" &&
           (k.Tag() == "?" || k.Tag() == kMergeTag);
  }

  void mapping(const YAML::Node& n, MapObj& out, int depth) {
    for (const auto& kv : n) {
      if (isMerge(kv.first)) {
        const YAML::Node& v = kv.second;
        if (v.Type() == YAML::NodeType::Map) {
          mapping(v, out, depth + 1);
        } else if (v.Type() == YAML::NodeType::Sequence) {
          for (std::size_t i = v.size(); i-- > 0;) {
            if (v[i].Type() != YAML::NodeType::Map)
              throw Failure{"yaml: map merge requires map or sequence of maps as the value"};
            mapping(v[i], out, depth + 1);
          }
        } else {
          throw Failure{"yaml: map merge requires map or sequence of maps as the value"};
        }
        continue;
      }
      std::string k = key(kv.first);
      out.set(std::move(k), stored(convert(kv.second, depth + 1)));
    }
  }
};

std::string parserError(const YAML::Exception& e) {
  if (e.mark.is_null()) return "error converting YAML to JSON: yaml: " + e.msg;
  // A character no token may start with (` @): go-yaml's scanner words it so, and names no line
  // when the problem is on the first one (its parser.fail() prints a line only when the 0-based
  // mark's line is not 0, plus one for scanner errors).
  if (e.msg == "unknown token") {
    return std::string("error converting YAML to JSON: yaml: ") +
           (e.mark.line != 0 ? "line " + std::to_string(e.mark.line + 1) + ": " : "") +
           "found character that cannot start any token";
  }
  return "error converting YAML to JSON: yaml: line " + std::to_string(e.mark.line + 1) + ": " + e.msg;
}

}  // namespace

struct YamlMemo {
  std::string text;
  YAML::Node doc;
};

namespace {

YamlResult parseFirstDocument(std::string_view text, Val& out, std::shared_ptr<YamlMemo>* memo) {
  if (tooDeep(text))
    return {false,
            "error converting YAML to JSON: yaml: exceeded max depth of " + std::to_string(kMaxNesting)};
  try {
    // Only the first document, as go-yaml's Unmarshal. Load, not LoadAll: yaml-cpp 0.7's LoadAll
    // loops forever, allocating, on some malformed streams (jbeder/yaml-cpp#1319; found by the
    // template fuzzer through fromYaml), and a template must never hang the operator.
    // A stream with no document (blank and comment lines only) is nil; a null document is not
    // the same thing (e.g. "!tag" still converts).
    bool noDocument = true;
    for (std::size_t pos = 0; pos < text.size() && noDocument;) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(pos, end - pos);
      std::size_t first = line.find_first_not_of(" \t\r");
      if (first != std::string_view::npos && line[first] != '#') noDocument = false;
      pos = end + 1;
    }
    if (noDocument) {
      out = Val::nilIface();
      return {true, ""};
    }
    YAML::Node doc;
    if (memo && *memo && (*memo)->text == text) {
      // The converter only reads it. Used once: a parse tree is several times the size of its
      // text, and keeping it while the template works on the value would double the peak.
      doc = std::move((*memo)->doc);
      memo->reset();
    } else {
      doc = YAML::Load(std::string(text));
      if (memo) {
        if (!*memo) *memo = std::make_shared<YamlMemo>();
        (*memo)->text = text;
        (*memo)->doc = doc;
      }
    }
    Converter c;
    out = c.convert(doc, 0);
    return {true, ""};
  } catch (const YAML::Exception& e) {
    return {false, parserError(e)};
  } catch (const Failure& f) {
    return {false, f.message};
  } catch (const std::exception& e) {
    return {false, std::string("error converting YAML to JSON: yaml: ") + e.what()};
  }
}

}  // namespace

YamlResult parseYamlVal(std::string_view text, Val& out) {
  return parseFirstDocument(text, out, nullptr);
}

YamlResult parseYamlVal(std::string_view text, Val& out, std::shared_ptr<YamlMemo>& memo) {
  return parseFirstDocument(text, out, &memo);
}

YamlResult parseYamlDocuments(std::string_view text, std::vector<Val>& out) {
  if (tooDeep(text))
    return {false,
            "error converting YAML to JSON: yaml: exceeded max depth of " + std::to_string(kMaxNesting)};
  try {
    for (const auto& doc : YAML::LoadAll(std::string(text))) {
      Converter c;
      out.push_back(c.convert(doc, 0));
    }
    return {true, ""};
  } catch (const YAML::Exception& e) {
    return {false, parserError(e)};
  } catch (const Failure& f) {
    return {false, f.message};
  } catch (const std::exception& e) {
    return {false, std::string("error converting YAML to JSON: yaml: ") + e.what()};
  }
}

}  // namespace iop::tmpl::detail

namespace iop::tmpl {

Result<Value> parseYaml(std::string_view text) {
  detail::Val v;
  auto r = detail::parseYamlVal(text, v);
  if (!r.ok) return Error{r.error};
  return detail::toJson(v);
}

}  // namespace iop::tmpl
