// Fresh directories under testing::TempDir().
#ifndef RISKFLOW_TESTS_TEMP_DIR_H_
#define RISKFLOW_TESTS_TEMP_DIR_H_

#include <string>

namespace riskflow::e2e {

// mkdtemp(TempDir()/<prefix>-XXXXXX); empty on failure.
std::string MakeTempDir(const std::string& prefix);

}  // namespace riskflow::e2e

#endif  // RISKFLOW_TESTS_TEMP_DIR_H_
