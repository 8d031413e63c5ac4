#include "test/support/bad_crs.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace iop::test {

namespace fs = std::filesystem;

namespace {

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

}  // namespace

std::vector<BadCR> loadBadCRs(const std::string& dir) {
  std::vector<BadCR> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    BadCR cr;
    cr.file = entry.path().filename().string();
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    cr.text = s.str();
    std::istringstream lines(cr.text);
    bool inMetadata = false;
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("# iop: ", 0) == 0) cr.iopMessages.push_back(line.substr(7));
      if (line.rfind("# cluster: ", 0) == 0) cr.clusterMessages.push_back(line.substr(11));
      if (line.rfind("# apply: ", 0) == 0) cr.applyMessage = line.substr(9);
      if (line.rfind("# class: ", 0) == 0) cr.cls = line.substr(9);
      if (line == "metadata:") inMetadata = true;
      if (inMetadata && cr.name.empty() && line.rfind("  name: ", 0) == 0) cr.name = line.substr(8);
    }
    INFO(cr.file << " must say what iop reports for it in a \"# iop: \" comment");
    REQUIRE_FALSE(cr.iopMessages.empty());
    INFO(cr.file << ": a CR that renders must say what the cluster shows in \"# cluster: \"");
    REQUIRE((!cr.renders() || !cr.clusterMessages.empty()));
    out.push_back(std::move(cr));
  }
  std::sort(out.begin(), out.end(), [](const BadCR& a, const BadCR& b) { return a.file < b.file; });
  return out;
}

std::string instantiate(const std::string& text, const std::string& revision, const std::string& ns) {
  return replaceAll(replaceAll(text, "${REVISION}", revision), "${NAMESPACE}", ns);
}

}  // namespace iop::test
