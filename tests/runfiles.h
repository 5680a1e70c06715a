// Files a test declares in `data`, found under Bazel's runfiles tree.
#ifndef RISKFLOW_TESTS_RUNFILES_H_
#define RISKFLOW_TESTS_RUNFILES_H_

#include <string>

namespace riskflow::e2e {

// The path of a workspace-relative file (e.g. "tests/scenarios") inside the
// test's runfiles ($TEST_SRCDIR/riskflow/...; "./..." outside Bazel).
std::string RunfilePath(const std::string& workspace_path);

// Its contents; empty when it cannot be read (tests assert non-empty).
std::string ReadRunfile(const std::string& workspace_path);

}  // namespace riskflow::e2e

#endif  // RISKFLOW_TESTS_RUNFILES_H_
