// ResolvePluginPath's trust rules: names resolve only inside the plugin
// directories; "..", absolute paths elsewhere and symlinked directories
// leading out are refused with the path and the allowed directories named.
#include "pipeline/plugin_host/plugin_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/storage/test_util.h"

namespace riskflow::plugin_host {
namespace {

using ::testing::HasSubstr;

void Touch(const std::string& path) { std::ofstream(path) << "x"; }
void MakeDir(const std::string& path) {
  ASSERT_EQ(mkdir(path.c_str(), 0755), 0) << path;
}
void Link(const std::string& target, const std::string& link) {
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0) << link;
}

// trusted/            on the path
//   foo/libfoo.so
//   libflat.so
//   alias -> trusted/foo             (symlinked dir, stays inside)
//   escape -> outside                (symlinked dir, leads out)
//   evil -> outside/evil             (bare name "evil" leads out)
//   liblinked.so -> outside/libx.so  (symlinked file: followed)
// outside/libx.so, outside/evil/libevil.so   not on the path
class PluginPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.path();
    trusted_ = root_ + "/trusted";
    outside_ = root_ + "/outside";
    MakeDir(trusted_);
    MakeDir(outside_);
    MakeDir(trusted_ + "/foo");
    Touch(trusted_ + "/foo/libfoo.so");
    Touch(trusted_ + "/libflat.so");
    Touch(outside_ + "/libx.so");
    MakeDir(outside_ + "/evil");
    Touch(outside_ + "/evil/libevil.so");
    Link(trusted_ + "/foo", trusted_ + "/alias");
    Link(outside_, trusted_ + "/escape");
    Link(outside_ + "/evil", trusted_ + "/evil");
    Link(outside_ + "/libx.so", trusted_ + "/liblinked.so");
  }

  // Expects PERMISSION_DENIED naming the plugin, the allowed directory and
  // `why`.
  void ExpectRefused(const std::string& plugin, const std::string& why) {
    SCOPED_TRACE(plugin);
    auto p = ResolvePluginPath(plugin, {trusted_});
    ASSERT_FALSE(p.ok()) << *p;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kPermissionDenied)
        << p.status();
    const std::string message(p.status().message());
    EXPECT_THAT(message, HasSubstr("plugin '" + plugin + "'"));
    EXPECT_THAT(message, HasSubstr("plugins load only from the plugin path (" +
                                   trusted_ + ")"));
    EXPECT_THAT(message, HasSubstr(why));
  }

  void ExpectFound(const std::string& plugin, const std::string& file) {
    SCOPED_TRACE(plugin);
    auto p = ResolvePluginPath(plugin, {trusted_});
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(*p, file);
  }

  storage::ScopedTempDir tmp_;
  std::string root_, trusted_, outside_;
};

TEST_F(PluginPathTest, NamesAndPathsInsideThePluginDirectoryResolve) {
  ExpectFound("foo", trusted_ + "/foo/libfoo.so");
  ExpectFound("flat", trusted_ + "/libflat.so");
  ExpectFound("libflat.so", trusted_ + "/libflat.so");
  ExpectFound("foo/libfoo.so", trusted_ + "/foo/libfoo.so");
  ExpectFound(trusted_ + "/foo/libfoo.so", trusted_ + "/foo/libfoo.so");
  ExpectFound(trusted_ + "/libflat.so", trusted_ + "/libflat.so");
}

TEST_F(PluginPathTest, AbsolutePathOutsideIsRefused) {
  ExpectRefused(outside_ + "/libx.so", "the path is outside the plugin path");
  ExpectRefused("/usr/lib/x86_64-linux-gnu/libc.so.6",
                "the path is outside the plugin path");
  // A missing file outside is refused the same way (no probing).
  ExpectRefused(outside_ + "/libnope.so",
                "the path is outside the plugin path");
}

TEST_F(PluginPathTest, DotDotIsRefusedEvenWhenItLandsInside) {
  ExpectRefused(trusted_ + "/../outside/libx.so", "a '..' path component");
  ExpectRefused(trusted_ + "/foo/../libflat.so", "a '..' path component");
  ExpectRefused("../outside/libx.so", "a '..' path component");
  ExpectRefused("foo/../../outside/libx.so", "a '..' path component");
  ExpectRefused("./libflat.so", "a '.' path component");
  ExpectRefused("..", "a '..' path component");
  ExpectRefused(trusted_ + "//libflat.so", "an empty path component");
}

TEST_F(PluginPathTest, SymlinkedDirectoryLeadingOutIsRefused) {
  ExpectRefused(trusted_ + "/escape/libx.so", "through the symlink " +
                                                 trusted_ + "/escape");
  ExpectRefused("escape/libx.so", "through the symlink " + trusted_ +
                                      "/escape");
  ExpectRefused("evil", "through the symlink " + trusted_ + "/evil");
}

TEST_F(PluginPathTest, SymlinksStayingInsideAndSymlinkedFilesAreFollowed) {
  ExpectFound("alias/libfoo.so", trusted_ + "/alias/libfoo.so");
  ExpectFound(trusted_ + "/alias/libfoo.so", trusted_ + "/alias/libfoo.so");
  // The operator's own link in a trusted directory (how Bazel runfiles and
  // versioned installs look).
  ExpectFound("linked", trusted_ + "/liblinked.so");
}

TEST_F(PluginPathTest, PluginDirectoryGivenThroughASymlink) {
  const std::string link = root_ + "/plugins-link";
  Link(trusted_, link);
  // Path spelled through the real directory, search path through the link.
  auto p = ResolvePluginPath(trusted_ + "/foo/libfoo.so", {link});
  ASSERT_TRUE(p.ok()) << p.status();
  // And the other way round.
  p = ResolvePluginPath(link + "/foo/libfoo.so", {trusted_});
  ASSERT_TRUE(p.ok()) << p.status();
  // A directory written with ".." (like the built-in bazel-bin entry).
  p = ResolvePluginPath(trusted_ + "/libflat.so",
                        {trusted_ + "/foo/../"});
  ASSERT_TRUE(p.ok()) << p.status();
}

TEST_F(PluginPathTest, NulByteAndEmptyNameAreRefused) {
  auto p = ResolvePluginPath(std::string("foo\0/../../x", 12), {trusted_});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("NUL byte"));
  p = ResolvePluginPath("", {trusted_});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(PluginPathTest, EmptyDirectoryEntryIsNotTheRoot) {
  // "" + "/" + "libflat.so" would be "/libflat.so".
  auto p = ResolvePluginPath("etc/passwd", {""});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kNotFound);
  p = ResolvePluginPath("/etc/passwd", {""});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(PluginPathTest, NoDirectoriesRefusesEveryPath) {
  auto p = ResolvePluginPath(trusted_ + "/libflat.so", {});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(p.status().message()),
              HasSubstr("no directories configured"));
}

}  // namespace
}  // namespace riskflow::plugin_host
