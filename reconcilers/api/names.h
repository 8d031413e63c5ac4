#pragma once

#include <optional>
#include <string>

// Kubernetes' name syntaxes (k8s.io/apimachinery/pkg/util/validation), hand-written: linear in
// the input whatever its length (std::regex recursed once per character and overflowed the
// stack on long names). Each check* returns why the name is not valid, or nullopt.
namespace iop::reconcilers {

// [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63: namespaces, revisions, most label-like names.
bool isDns1123Label(const std::string& s);
// Labels joined by dots, at most 253: most object names (Deployments, ConfigMaps, RBAC).
bool isDns1123Subdomain(const std::string& s);
// [a-z]([-a-z0-9]*[a-z0-9])?, at most 63: Service names (they become DNS names).
bool isDns1035Label(const std::string& s);
// Empty, or ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most 63: label values.
bool isLabelValue(const std::string& s);
// [prefix/]name, name as a label value but non-empty, prefix a DNS-1123 subdomain: label and
// annotation keys.
bool isQualifiedName(const std::string& s);

// Why `s` cannot be the name of a `what` ("a namespace", "a Service") that must be
// `kind` (one of the syntaxes above, by its function's name), with `maxLen`; nullopt if it can.
enum class NameSyntax { Dns1123Label, Dns1123Subdomain, Dns1035Label, LabelValue, QualifiedName };
std::optional<std::string> nameProblem(const std::string& s, NameSyntax syntax);

}  // namespace iop::reconcilers
