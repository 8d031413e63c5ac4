// template_render JOBS.json: the jobs of test/template/helmref rendered by iop's engine, printed in
// the reference's format (for comparing by hand: diff <(helmref render J) <(template_render J)).
#include <fstream>
#include <iostream>

#include "test/template/render_jobs.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: template_render JOBS.json\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  auto jobs = nlohmann::json::parse(in);
  nlohmann::json results = nlohmann::json::array();
  for (const auto& j : jobs) results.push_back(iop::tmpl::test::renderJob(j));
  std::cout << results.dump() << "\n";
  return 0;
}
