#ifndef RISKFLOW_PIPELINE_STORAGE_TEST_UTIL_H_
#define RISKFLOW_PIPELINE_STORAGE_TEST_UTIL_H_

#include <string>

namespace riskflow::storage {

// A fresh directory under $TEST_TMPDIR (or /tmp), removed when this object
// goes out of scope.
class ScopedTempDir {
 public:
  ScopedTempDir();
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace riskflow::storage

#endif  // RISKFLOW_PIPELINE_STORAGE_TEST_UTIL_H_
