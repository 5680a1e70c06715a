// `riskflowd --help` lists riskflowd's flags (it used to print only "No
// flags matched"; --helpfull was the only way to see them).
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Output {
  std::string out;
  int status = -1;
};

Output RunRiskflowd(const std::string& args) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const std::string binary =
      std::string(srcdir != nullptr ? srcdir : ".") +
      "/riskflow/tools/riskflowd/riskflowd";
  Output run;
  FILE* pipe = popen((binary + " " + args + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) run.out.append(buf, n);
  run.status = pclose(pipe);
  return run;
}

TEST(RiskflowdHelpTest, HelpListsTheDaemonsFlags) {
  for (const char* flag : {"--help", "--helpshort"}) {
    SCOPED_TRACE(flag);
    Output run = RunRiskflowd(flag);
    ASSERT_TRUE(WIFEXITED(run.status)) << run.out;
    EXPECT_THAT(run.out, Not(HasSubstr("No flags matched")));
    for (const char* name : {"--listen", "--data_dir", "--config",
                             "--plugin_path", "--plugin_allowlist"}) {
      EXPECT_THAT(run.out, HasSubstr(name));
    }
    // Only riskflowd's flags, not every library's.
    EXPECT_THAT(run.out, Not(HasSubstr("--flagfile")));
  }
}

}  // namespace
