#include "reconcilers/api/embedded_files.h"

#include <stdexcept>

namespace iop::reconcilers {

std::string_view embeddedFile(std::string_view path) {
  const auto& files = embeddedFiles();
  auto it = files.find(path);
  if (it == files.end()) throw std::out_of_range("no embedded file " + std::string(path));
  return it->second;
}

}  // namespace iop::reconcilers
