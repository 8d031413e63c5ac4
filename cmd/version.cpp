#include <iostream>
#include <nlohmann/json.hpp>

#include "cmd/verbs.h"
#include "cmd/version_info.h"

namespace iop::cmd {

void addVersion(CLI::App& root) {
  auto* cmd = root.add_subcommand("version", "Print iop's version, git commit and build date");
  cmd->footer("Example:\n  iop version\n  iop version -o json");
  auto output = std::make_shared<std::string>("text");
  cmd->add_option("-o,--output", *output, "Output format")->check(CLI::IsMember({"text", "json"}));
  cmd->callback([output] {
    if (*output == "json") {
      nlohmann::json j = {{"version", kVersion}, {"gitCommit", kGitCommit}, {"buildDate", kBuildDate}};
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << "iop version " << kVersion << "\ncommit " << kGitCommit << "\nbuilt " << kBuildDate
                << "\n";
    }
    setExitCode(0);
  });
}

}  // namespace iop::cmd
