#pragma once

#include <string>
#include <vector>

namespace iop::reconcilers {

// One problem with an input, located by the dotted field path a user would write
// (e.g. "spec.components.ingressGateways[0].name"). Validation collects all of them.
struct FieldError {
  std::string path;
  std::string message;

  std::string str() const { return path.empty() ? message : path + ": " + message; }
  bool operator==(const FieldError&) const = default;
};

using FieldErrors = std::vector<FieldError>;

}  // namespace iop::reconcilers
