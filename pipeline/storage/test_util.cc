#include "pipeline/storage/test_util.h"

#include <stdlib.h>

#include <filesystem>
#include <system_error>
#include <vector>

namespace riskflow::storage {

ScopedTempDir::ScopedTempDir() {
  const char* base = getenv("TEST_TMPDIR");
  std::string tmpl =
      std::string(base != nullptr ? base : "/tmp") + "/riskflow_state_XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) != nullptr) path_ = buf.data();
  // On failure path_ stays empty and the Store::Open under test reports it.
}

ScopedTempDir::~ScopedTempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace riskflow::storage
