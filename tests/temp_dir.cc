#include "tests/temp_dir.h"

#include <stdlib.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace riskflow::e2e {

std::string MakeTempDir(const std::string& prefix) {
  std::string root = ::testing::TempDir();
  if (!root.empty() && root.back() != '/') root += '/';
  std::string pattern = absl::StrCat(root, prefix, "-XXXXXX");
  char* dir = mkdtemp(pattern.data());
  return dir == nullptr ? std::string() : std::string(dir);
}

}  // namespace riskflow::e2e
