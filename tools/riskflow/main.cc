// riskflow: the command-line client of riskflowd. See cli.h.
#include <iostream>
#include <string>
#include <vector>

#include "tools/riskflow/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return riskflow::cli::RunCli(args, std::cout, std::cerr);
}
