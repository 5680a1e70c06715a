#include "tests/runfiles.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace riskflow::e2e {

std::string RunfilePath(const std::string& workspace_path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return std::string(srcdir == nullptr ? "." : srcdir) + "/riskflow/" +
         workspace_path;
}

std::string ReadRunfile(const std::string& workspace_path) {
  std::ifstream in(RunfilePath(workspace_path));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace riskflow::e2e
