// iop: the IstioOperator operator and its CLI. Each verb lives in its own file in cmd/ and
// registers itself on the root command here.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cmd/cluster_flags.h"
#include "cmd/suggest.h"
#include "cmd/verbs.h"

int main(int argc, char** argv) {
  CLI::App app{"iop: install and run Istio control planes and gateways, revision by revision"};
  app.name("iop");
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every verb");
  app.footer(std::string("Examples:\n"
                         "  iop install -f examples/control-plane.yaml --revision 1-8-0\n"
                         "  iop status\n"
                         "  iop operator init --revision 1-8-0\n\n") +
             iop::cmd::kExitCodesHelp);
  iop::cmd::addVersion(app);
  iop::cmd::addManifest(app);
  iop::cmd::addOperator(app);
  iop::cmd::addRun(app);
  iop::cmd::addInstall(app);
  iop::cmd::addStatus(app);
  iop::cmd::addTag(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Bad input is exit code 2 for every verb (their --help says so), whatever CLI11's own
    // code for the kind of mistake; a typo of a verb gets the verb it probably meant.
    if (e.get_exit_code() == 0) return app.exit(e);
    if (auto unknown = iop::cmd::unknownVerb(app, std::vector<std::string>(argv + 1, argv + argc))) {
      std::cerr << "error: " << *unknown << "\n";
      return iop::cmd::kExitBadInput;
    }
    app.exit(e);
    return iop::cmd::kExitBadInput;
  }
  return iop::cmd::exitCode();
}
