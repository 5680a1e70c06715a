#include "tools/loadgen/data_dir.h"

#include <cstdio>
#include <filesystem>
#include <system_error>

namespace riskflow::loadgen {

void RemoveDataDir(const std::string& dir) {
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  if (error) {
    std::fprintf(stderr, "loadgen: could not remove %s: %s\n", dir.c_str(),
                 error.message().c_str());
  }
}

}  // namespace riskflow::loadgen
