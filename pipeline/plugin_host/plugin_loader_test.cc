// LoadPlugin refusals (one test plugin per problem, from plugins/testing),
// the real velocity plugin's build id, and plugin path resolution.
#include "pipeline/plugin_host/plugin_loader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/storage/test_util.h"
#include "plugins/testing/test_plugins.h"

namespace riskflow::plugin_host {
namespace {

using ::riskflow::testing::PluginsRoot;
using ::riskflow::testing::RealPluginPath;
using ::riskflow::testing::TestPluginPath;
using ::testing::HasSubstr;

bool IsLowerHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Loads `path`, expects a refusal with `code` whose message names the file
// and contains every one of `parts`.
void ExpectRefused(const std::string& path, absl::StatusCode code,
                   const std::vector<std::string>& parts) {
  SCOPED_TRACE(path);
  auto plugin = LoadPlugin(path);
  ASSERT_FALSE(plugin.ok());
  EXPECT_EQ(plugin.status().code(), code) << plugin.status();
  const std::string message(plugin.status().message());
  EXPECT_THAT(message, HasSubstr(path));
  for (const std::string& part : parts) EXPECT_THAT(message, HasSubstr(part));
}

TEST(PluginLoaderTest, RefusesWrongAbiMajor) {
  ExpectRefused(TestPluginPath("wrong_abi_major"),
                absl::StatusCode::kFailedPrecondition,
                {"built for ABI 2.0", "major versions must match"});
}

TEST(PluginLoaderTest, RefusesNewerAbiMinor) {
  ExpectRefused(TestPluginPath("newer_minor"),
                absl::StatusCode::kFailedPrecondition,
                {"built for ABI 1.4", "newer than this host"});
}

TEST(PluginLoaderTest, LoadsAnOlderAbiMinor) {
  // ABI 1.1 appended partition_by to rf_host_api; a 1.0 plugin never calls
  // it and is keyed by account.
  auto plugin = LoadPlugin(TestPluginPath("abi_1_0"));
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  EXPECT_EQ((*plugin)->descriptor().abi_minor, 0u);
}

TEST(PluginLoaderTest, RefusesLibraryWithoutEntrySymbol) {
  ExpectRefused(TestPluginPath("no_entry_symbol"),
                absl::StatusCode::kFailedPrecondition,
                {"missing entry symbol riskflow_plugin_descriptor_v1"});
}

TEST(PluginLoaderTest, RefusesMissingCallback) {
  ExpectRefused(TestPluginPath("missing_callback"),
                absl::StatusCode::kFailedPrecondition,
                {"missing a callback", "on_event"});
}

TEST(PluginLoaderTest, RefusesBadParameterSchema) {
  ExpectRefused(TestPluginPath("bad_schema"),
                absl::StatusCode::kFailedPrecondition,
                {"bad parameter schema", "parameter #0 has no name"});
}

// Refused by the ELF check, before dlopen() ever sees it.
TEST(PluginLoaderTest, RefusesNonElfFile) {
  ExpectRefused(PluginsRoot() + "/testing/libgarbage.so",
                absl::StatusCode::kFailedPrecondition,
                {"not an ELF file (bad magic number)"});
}

TEST(PluginLoaderTest, RefusesMissingFile) {
  ExpectRefused(PluginsRoot() + "/testing/libdoes_not_exist.so",
                absl::StatusCode::kFailedPrecondition, {"no such file"});
}

TEST(PluginLoaderTest, RefusesDirectory) {
  ExpectRefused(PluginsRoot() + "/velocity",
                absl::StatusCode::kFailedPrecondition, {"not a regular file"});
}

TEST(PluginLoaderTest, LoadsVelocityWithStableBuildId) {
  const std::string path = RealPluginPath("velocity");
  auto first = LoadPlugin(path);
  ASSERT_TRUE(first.ok()) << first.status();
  const rf_plugin_descriptor& d = (*first)->descriptor();
  EXPECT_STREQ(d.name, "velocity");
  EXPECT_EQ(d.abi_major, static_cast<uint32_t>(RF_ABI_MAJOR));
  EXPECT_EQ((*first)->path(), path);
  EXPECT_TRUE(IsLowerHex64((*first)->build_id())) << (*first)->build_id();

  // A second load of the same file while the first is open, and a third
  // after both are closed, identify the same build.
  auto second = LoadPlugin(path);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*second)->build_id(), (*first)->build_id());
  const std::string id = (*first)->build_id();
  first->reset();
  second->reset();
  auto third = LoadPlugin(path);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ((*third)->build_id(), id);
  EXPECT_STREQ((*third)->descriptor().name, "velocity");
}

TEST(PluginLoaderTest, DifferentFilesHaveDifferentBuildIds) {
  auto velocity = LoadPlugin(RealPluginPath("velocity"));
  auto faulty = LoadPlugin(TestPluginPath("faulty"));
  ASSERT_TRUE(velocity.ok()) << velocity.status();
  ASSERT_TRUE(faulty.ok()) << faulty.status();
  EXPECT_TRUE(IsLowerHex64((*faulty)->build_id()));
  EXPECT_NE((*velocity)->build_id(), (*faulty)->build_id());
  EXPECT_STREQ((*faulty)->descriptor().name, "faulty");
}

// The working directory never matters: a relative name is looked up in
// the plugin directories only (plugin_path.h).
TEST(PluginLoaderTest, RelativeNamesResolveInPluginDirectoriesOnly) {
  const std::vector<std::string> dirs = {PluginsRoot()};
  auto file = ResolvePluginPath("libvelocity.so", {PluginsRoot() + "/velocity"});
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(*file, PluginsRoot() + "/velocity/libvelocity.so");
  auto sub = ResolvePluginPath("velocity/libvelocity.so", dirs);
  ASSERT_TRUE(sub.ok()) << sub.status();
  EXPECT_EQ(*sub, PluginsRoot() + "/velocity/libvelocity.so");
  auto plugin = LoadPlugin(*sub);
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  EXPECT_STREQ((*plugin)->descriptor().name, "velocity");
  // Not found relative to the working directory (the runfiles root).
  auto cwd = ResolvePluginPath("plugins/velocity/libvelocity.so", dirs);
  ASSERT_FALSE(cwd.ok());
  EXPECT_EQ(cwd.status().code(), absl::StatusCode::kNotFound);
}

// ---- ResolvePluginPath ------------------------------------------------

void Touch(const std::string& path) { std::ofstream(path) << "x"; }
void MakeDir(const std::string& path) {
  ASSERT_EQ(mkdir(path.c_str(), 0755), 0) << path;
}

class ResolveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty());
    a_ = tmp_.path() + "/a";
    b_ = tmp_.path() + "/b";
    MakeDir(a_);
    MakeDir(b_);
    // a/foo/libfoo.so (folder form), b/libbar.so (flat form), and "both"
    // in both forms in a and flat in b.
    MakeDir(a_ + "/foo");
    Touch(a_ + "/foo/libfoo.so");
    Touch(b_ + "/libbar.so");
    MakeDir(a_ + "/both");
    Touch(a_ + "/both/libboth.so");
    Touch(a_ + "/libboth.so");
    Touch(b_ + "/libboth.so");
  }

  storage::ScopedTempDir tmp_;
  std::string a_, b_;
};

TEST_F(ResolveTest, FindsFolderForm) {
  auto p = ResolvePluginPath("foo", {a_, b_});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*p, a_ + "/foo/libfoo.so");
}

TEST_F(ResolveTest, FindsFlatFormInLaterDir) {
  auto p = ResolvePluginPath("bar", {a_, b_});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*p, b_ + "/libbar.so");
}

TEST_F(ResolveTest, FolderFormFirstThenEarlierDirWins) {
  auto p = ResolvePluginPath("both", {a_, b_});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*p, a_ + "/both/libboth.so");
  p = ResolvePluginPath("both", {b_, a_});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*p, b_ + "/libboth.so");
}

TEST_F(ResolveTest, MissingReportsEveryTriedPath) {
  auto p = ResolvePluginPath("nope", {a_, b_});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kNotFound);
  const std::string message(p.status().message());
  EXPECT_THAT(message, HasSubstr("'nope'"));
  for (const std::string& tried :
       {a_ + "/nope/libnope.so", a_ + "/libnope.so", b_ + "/nope/libnope.so",
        b_ + "/libnope.so"}) {
    EXPECT_THAT(message, HasSubstr(tried));
  }
}

TEST_F(ResolveTest, AbsolutePathInsideAPluginDirectoryIsAccepted) {
  auto p = ResolvePluginPath(b_ + "/libbar.so", {a_, b_});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*p, b_ + "/libbar.so");
  p = ResolvePluginPath(b_ + "/libmissing.so", {a_, b_});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("no such file"));
  EXPECT_THAT(std::string(p.status().message()),
              HasSubstr(b_ + "/libmissing.so"));
}

TEST(DefaultSearchPathTest, FindsRealAndTestPluginsInRunfiles) {
  std::vector<std::string> dirs = DefaultPluginSearchPath();
  auto velocity = ResolvePluginPath("velocity", dirs);
  ASSERT_TRUE(velocity.ok()) << velocity.status();
  auto loaded = LoadPlugin(*velocity);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_STREQ((*loaded)->descriptor().name, "velocity");
  EXPECT_EQ(dirs.back(), "/usr/lib/riskflow/plugins");
}

TEST(DefaultSearchPathTest, EnvironmentComesFirst) {
  ASSERT_EQ(setenv("RISKFLOW_PLUGIN_PATH", "/x/one::/x/two", 1), 0);
  std::vector<std::string> dirs = DefaultPluginSearchPath();
  unsetenv("RISKFLOW_PLUGIN_PATH");
  ASSERT_GE(dirs.size(), 2u);
  EXPECT_EQ(dirs[0], "/x/one");
  EXPECT_EQ(dirs[1], "/x/two");
}

}  // namespace
}  // namespace riskflow::plugin_host
