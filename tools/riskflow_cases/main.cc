// riskflow-cases: the case service as its own process. See cases_cli.h and
// docs/cases.md.
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "tools/riskflow_cases/cases_cli.h"

namespace {
std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }
}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::vector<std::string> args(argv + 1, argv + argc);
  return riskflow::cases::RunCasesCli(args, std::cout, std::cerr, &g_stop);
}
