#include "reconcilers/api/names.h"

namespace iop::reconcilers {

namespace {

bool lowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool alnum(char c) {
  return lowerAlnum(c) || (c >= 'A' && c <= 'Z');
}

std::string shown(const std::string& s) {
  return "\"" +
         (s.size() > 70 ? s.substr(0, 70) + "...\" (" + std::to_string(s.size()) + " characters)" : s + "\"");
}

}  // namespace

bool isDns1123Label(const std::string& s) {
  if (s.empty() || s.size() > 63 || !lowerAlnum(s.front()) || !lowerAlnum(s.back())) return false;
  for (char c : s)
    if (!lowerAlnum(c) && c != '-') return false;
  return true;
}

bool isDns1123Subdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    std::string part = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!isDns1123Label(part)) return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

bool isDns1035Label(const std::string& s) {
  return isDns1123Label(s) && s.front() >= 'a' && s.front() <= 'z';
}

bool isLabelValue(const std::string& s) {
  if (s.empty()) return true;
  if (s.size() > 63 || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s)
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

bool isQualifiedName(const std::string& s) {
  std::string name = s;
  if (auto slash = s.find('/'); slash != std::string::npos) {
    if (!isDns1123Subdomain(s.substr(0, slash))) return false;
    name = s.substr(slash + 1);
  }
  return !name.empty() && isLabelValue(name);
}

std::optional<std::string> nameProblem(const std::string& s, NameSyntax syntax) {
  switch (syntax) {
    case NameSyntax::Dns1123Label:
      if (isDns1123Label(s)) return std::nullopt;
      return shown(s) +
             " is not a valid DNS-1123 label: lower case letters, digits and '-', starting and ending with a "
             "letter or digit, at most 63 characters";
    case NameSyntax::Dns1123Subdomain:
      if (isDns1123Subdomain(s)) return std::nullopt;
      return shown(s) +
             " is not a valid DNS-1123 subdomain: lower case letters, digits, '-' and '.', each part "
             "starting and "
             "ending with a letter or digit, at most 253 characters";
    case NameSyntax::Dns1035Label:
      if (isDns1035Label(s)) return std::nullopt;
      return shown(s) +
             " is not a valid DNS-1035 label (it names a Service): lower case letters, digits and '-', "
             "starting "
             "with a letter, ending with a letter or digit, at most 63 characters";
    case NameSyntax::LabelValue:
      if (isLabelValue(s)) return std::nullopt;
      return shown(s) +
             " is not a valid label value: letters, digits, '-', '_' and '.', starting and ending with a "
             "letter "
             "or digit, at most 63 characters";
    case NameSyntax::QualifiedName:
      if (isQualifiedName(s)) return std::nullopt;
      return shown(s) +
             " is not a valid label or annotation key: an optional DNS subdomain prefix and '/', then at "
             "most 63 "
             "letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
  }
  return std::nullopt;
}

}  // namespace iop::reconcilers
