#include "test/template/template_gen.h"

#include <vector>

namespace iop::tmpl::test {

namespace {

const std::vector<std::string> kKeys = {"a",       "b",  "name", "list", "m",  "n",  "s",
                                        "enabled", "x1", "x10",  "x2",   "_k", "Key"};

const std::vector<std::string> kStrings = {"",
                                           "x",
                                           "yes",
                                           "on",
                                           "0777",
                                           "1.0",
                                           "a: b",
                                           "- x",
                                           "#c",
                                           " lead",
                                           "trail ",
                                           "multi\nline",
                                           "null",
                                           "~",
                                           "it's",
                                           "<b>&",
                                           "é ü",
                                           "true",
                                           "1e3",
                                           "0x1F",
                                           "a\tb",
                                           "{}",
                                           "[1]",
                                           "x: {y: z}",
                                           "\"q\"",
                                           "back\\sl",
                                           "2021-01-02",
                                           "1:20",
                                           "-",
                                           "*ref",
                                           "&anc",
                                           "!tag",
                                           "%pct",
                                           "@at",
                                           "`bt`",
                                           "a #b",
                                           "long long long long long long long long long long long long long "
                                           "long long long long long long long long long end"};

const std::vector<std::string> kTexts = {
    "", " ", "\n", "  \n  ", "x", "key: ", "- ", "\n  - ", ":", "a-b", "\t", "text\n"};

}  // namespace

std::string TemplateGenerator::scalarString() {
  return kStrings[static_cast<std::size_t>(pick(static_cast<int>(kStrings.size())))];
}

nlohmann::json TemplateGenerator::value(int depth) {
  int k = pick(depth >= 3 ? 6 : 9);
  switch (k) {
    case 0:
      return nullptr;
    case 1:
      return chance(50);
    case 2: {
      static const double nums[] = {0, 1, 2, 3, -2, 1.5, 1e6, 123456789, 0.1, 1e21, 1e-7, 100000, 2.5e-5, 42};
      return nums[pick(14)];
    }
    case 3:
    case 4:
    case 5:
      return scalarString();
    case 6:
    case 7: {
      nlohmann::json m = nlohmann::json::object();
      int n = pick(4);
      for (int i = 0; i < n; ++i)
        m[kKeys[static_cast<std::size_t>(pick(static_cast<int>(kKeys.size())))]] = value(depth + 1);
      return m;
    }
    default: {
      nlohmann::json a = nlohmann::json::array();
      int n = pick(4);
      for (int i = 0; i < n; ++i) a.push_back(value(depth + 1));
      return a;
    }
  }
}

std::string TemplateGenerator::text() {
  return kTexts[static_cast<std::size_t>(pick(static_cast<int>(kTexts.size())))];
}

std::string TemplateGenerator::open() {
  return chance(30) ? "{{- " : "{{ ";
}
std::string TemplateGenerator::close() {
  return chance(30) ? " -}}" : " }}";
}

std::string TemplateGenerator::field() {
  std::string f;
  switch (pick(6)) {
    case 0:
      if (dotDepth_ > 0 || inHelper_) return ".";
      f = ".Values";
      break;
    case 1:
      f = "$.Values";
      break;
    case 2:
      if (vars_ > 0) return "$v" + std::to_string(pick(vars_));
      f = ".Values";
      break;
    default:
      f = ".Values";
  }
  int n = pick(3);
  for (int i = 0; i < n; ++i)
    f += "." + kKeys[static_cast<std::size_t>(pick(static_cast<int>(kKeys.size())))];
  return f;
}

std::string TemplateGenerator::literal() {
  switch (pick(6)) {
    case 0: {
      static const char* ints[] = {"0", "1", "2", "3", "-1", "10"};
      return ints[pick(6)];
    }
    case 1: {
      static const char* floats[] = {"1.5", "0.0", "1e6", "2.0"};
      return floats[pick(4)];
    }
    case 2:
      return chance(50) ? "true" : "false";
    default: {
      std::string s = scalarString();
      std::string q = "\"";
      for (char c : s) {
        if (c == '"' || c == '\\') q += '\\';
        if (c == '\n') {
          q += "\\n";
          continue;
        }
        if (c == '\t') {
          q += "\\t";
          continue;
        }
        q += c;
      }
      return q + "\"";
    }
  }
}

std::string TemplateGenerator::operand(int depth) {
  int k = pick(depth > 2 ? 2 : 4);
  if (k == 0) return field();
  if (k == 1) return literal();
  if (k == 2) return "(" + pipeline(depth + 1) + ")";
  return field();
}

std::string TemplateGenerator::command(int depth) {
  // Function calls with argument shapes the charts use; the piped value is the last argument.
  static const std::vector<std::pair<std::string, int>> fns = {
      {"quote", 1},      {"squote", 1},   {"upper", 1},
      {"lower", 1},      {"trim", 1},     {"default", 1},
      {"toYaml", 1},     {"toJson", 1},   {"toPrettyJson", 1},
      {"toString", 1},   {"typeOf", 1},   {"kindOf", 1},
      {"empty", 1},      {"not", 1},      {"len", 1},
      {"first", 1},      {"last", 1},     {"b64enc", 1},
      {"sha256sum", 1},  {"int", 1},      {"float64", 1},
      {"deepCopy", 1},   {"list", 2},     {"print", 2},
      {"eq", 2},         {"ne", 2},       {"lt", 2},
      {"and", 2},        {"or", 2},       {"coalesce", 2},
      {"hasKey", 2},     {"contains", 2}, {"hasPrefix", 2},
      {"trimSuffix", 2}, {"replace", 3},  {"indent", 2},
      {"nindent", 2},    {"trunc", 2},    {"join", 2},
      {"splitList", 2},  {"has", 2},      {"add", 2},
      {"mul", 2},        {"index", 2},    {"cat", 2},
      {"ternary", 3},    {"dict", 2},     {"pick", 2},
      {"omit", 2},       {"merge", 2},    {"mergeOverwrite", 2},
      {"fromYaml", 1},   {"include", 2},  {"printf", 2},
      {"regexMatch", 2}, {"base", 1},     {"compact", 1},
      {"uniq", 1},       {"without", 2},  {"set", 3},
      {"required", 2},   {"tpl", 2},      {"keys", 1},
  };
  const auto& [name, arity] = fns[static_cast<std::size_t>(pick(static_cast<int>(fns.size())))];
  std::string c = name;
  int n = arity - (chance(30) ? 1 : 0);
  // Helm's keys lists a Go map in Go's random iteration order: only a sorted list is comparable,
  // whether the map is an argument or the piped value.
  if (name == "keys") return c + (n > 0 ? " " + operand(depth) : "") + " | sortAlpha";
  for (int i = 0; i < n; ++i) {
    if ((name == "indent" || name == "nindent" || name == "trunc") && i == 0) {
      c += " " + std::to_string(pick(5));
    } else if (name == "include" && i == 0) {
      c += !inHelper_ && chance(80) ? " \"h\"" : " \"nope\"";
    } else if (name == "printf" && i == 0) {
      static const char* fmts[] = {"\"%v\"", "\"%s\"", "\"%d\"", "\"%q\"", "\"%v-%v\"", "\"%t\""};
      c += std::string(" ") + fmts[pick(6)];
    } else if ((name == "regexMatch") && i == 0) {
      static const char* res[] = {"\"^a\"", "\"[0-9]+\"", "\".*\"", "\"(\""};
      c += std::string(" ") + res[pick(4)];
    } else if (name == "tpl" && i == 0) {
      static const char* t[] = {"\"{{ .Values.a }}\"", "\"x{{ .Values }}\"", "\"{{ include \\\"h\\\" . }}\""};
      c += std::string(" ") + t[pick(inHelper_ ? 2 : 3)];
    } else {
      c += " " + operand(depth);
    }
  }
  return c;
}

std::string TemplateGenerator::pipeline(int depth) {
  std::string p;
  if (chance(40)) {
    p = operand(depth);
  } else {
    p = command(depth);
  }
  int stages = depth > 2 ? 0 : pick(3);
  for (int i = 0; i < stages; ++i) p += " | " + command(depth + 1);
  return p;
}

std::string TemplateGenerator::action(int depth) {
  int k = pick(depth > 2 ? 3 : 9);
  switch (k) {
    case 0:
    case 1:
    case 2:
      return open() + pipeline(depth) + close();
    case 3: {
      std::string v = "$v" + std::to_string(vars_++);
      return open() + v + " := " + pipeline(depth) + close();
    }
    case 4:
      return open() + "if " + pipeline(depth) + close() + block(depth + 1) +
             (chance(50) ? open() + "else" + close() + block(depth + 1) : "") + open() + "end" + close();
    case 5: {
      std::string head = open() + "with " + pipeline(depth) + close();
      ++dotDepth_;
      std::string body = block(depth + 1);
      --dotDepth_;
      return head + body + (chance(30) ? open() + "else" + close() + block(depth + 1) : "") + open() + "end" +
             close();
    }
    case 6: {
      bool saved = inRange_;
      inRange_ = true;
      std::string head = chance(50) ? "range $i, $e := " : "range ";
      std::string r = open() + head + pipeline(depth) + close();
      ++dotDepth_;
      r += block(depth + 1);
      --dotDepth_;
      if (chance(20)) r += open() + (chance(50) ? "break" : "continue") + close();
      r += (chance(30) ? open() + "else" + close() + block(depth + 1) : "") + open() + "end" + close();
      inRange_ = saved;
      return r;
    }
    case 7:
      return open() + "/* c */" + close();
    default:
      if (inHelper_) return open() + "template \"nope\"" + close();
      return open() + "template \"h\" " + operand(depth) + close();
  }
}

std::string TemplateGenerator::block(int depth) {
  std::string b;
  int n = 1 + pick(3);
  for (int i = 0; i < n; ++i) b += chance(50) ? text() : action(depth);
  return b;
}

GeneratedCase TemplateGenerator::next() {
  vars_ = 0;
  inRange_ = false;
  GeneratedCase c;
  nlohmann::json values = nlohmann::json::object();
  int n = 1 + pick(5);
  for (int i = 0; i < n; ++i)
    values[kKeys[static_cast<std::size_t>(pick(static_cast<int>(kKeys.size())))]] = value(0);
  c.values = values;
  std::string t;
  int parts = 1 + pick(5);
  for (int i = 0; i < parts; ++i) t += chance(35) ? text() : action(0);
  vars_ = 0;
  inHelper_ = true;
  std::string helper = "{{- define \"h\" -}}" + block(1) + "{{- end -}}";
  inHelper_ = false;
  c.files = nlohmann::json::object();
  c.files["templates/t.yaml"] = t;
  c.files["templates/_h.tpl"] = helper;
  return c;
}

}  // namespace iop::tmpl::test
