// `riskflow plugin new`: the golden check against plugins/hello_detector/,
// and the refusals.
#include "tools/riskflow/plugin_new.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/riskflow/cli.h"
#include "tools/riskflow/common.h"

namespace riskflow::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result Invoke(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = RunCli(args, out, err);
  return {code, out.str(), err.str()};
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// A fresh folder under the test's temp dir holding a WORKSPACE file and an
// empty plugins/ folder, like the repository root.
fs::path MakeWorkspace(const std::string& name) {
  fs::path root = fs::path(::testing::TempDir()) / name;
  fs::remove_all(root);
  fs::create_directories(root / "plugins");
  std::ofstream(root / "WORKSPACE") << "workspace(name = \"riskflow\")\n";
  return root;
}

std::vector<std::string> ListFolder(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Where the first difference is, for a readable failure.
std::string FirstDifference(const std::string& want, const std::string& got) {
  std::vector<std::string> a = absl::StrSplit(want, '\n');
  std::vector<std::string> b = absl::StrSplit(got, '\n');
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    std::string x = i < a.size() ? a[i] : "<end of file>";
    std::string y = i < b.size() ? b[i] : "<end of file>";
    if (x != y) {
      return absl::StrCat("line ", i + 1, ":\n  checked in: ", x,
                          "\n  generated:  ", y);
    }
  }
  return "identical";
}

TEST(PluginNewGoldenTest, GeneratedFilesMatchPluginsHelloDetector) {
  const fs::path checked_in =
      fs::path(getenv("TEST_SRCDIR")) / "riskflow/plugins/hello_detector";
  const fs::path root = MakeWorkspace("golden");
  PluginNewOptions options;
  options.name = "hello_detector";
  options.dir = (root / "plugins").string();
  std::ostringstream out, err;
  ASSERT_EQ(RunPluginNew(options, out, err), kExitOk) << err.str();

  const fs::path generated = root / "plugins/hello_detector";
  const std::vector<std::string> files = {"BUILD.bazel", "README.md",
                                          "hello_detector_detector.cc",
                                          "hello_detector_test.cc"};
  ASSERT_EQ(ListFolder(generated), files);
  for (const std::string& file : files) {
    ASSERT_TRUE(fs::exists(checked_in / file)) << checked_in / file;
    const std::string want = ReadFile(checked_in / file);
    const std::string got = ReadFile(generated / file);
    // Not EXPECT_EQ: it would print both files whole.
    EXPECT_TRUE(want == got)
        << "plugins/hello_detector/" << file
        << " is not what the templates in tools/riskflow/templates/ "
           "generate; if the template change is intended, regenerate:\n"
           "  rm -r plugins/hello_detector && "
           "bazel run //tools/riskflow -- plugin new hello_detector\n"
        << FirstDifference(want, got);
  }
  EXPECT_THAT(out.str(), HasSubstr("bazel test "
                                   "//plugins/hello_detector:hello_detector_"
                                   "test\n"));
}

TEST(PluginNewTest, EveryPlaceholderIsReplaced) {
  const std::regex placeholder(R"(\{\{[A-Za-z_]+\}\})");
  for (const GeneratedFile& file :
       RenderPluginFiles("login_burst", "fraud/plugins/login_burst")) {
    EXPECT_FALSE(std::regex_search(file.content, placeholder)) << file.path;
    EXPECT_THAT(file.content, Not(HasSubstr("hello_detector"))) << file.path;
  }
  std::vector<GeneratedFile> files =
      RenderPluginFiles("login_burst", "fraud/plugins/login_burst");
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[2].path, "login_burst_detector.cc");
  EXPECT_THAT(files[2].content, HasSubstr("class LoginBurstDetector : "));
  EXPECT_THAT(files[2].content, HasSubstr("a.reason_code = \"LOGIN_BURST\";"));
  EXPECT_THAT(files[1].content,
              HasSubstr("bazel test //fraud/plugins/login_burst:login_burst_"
                        "test"));
}

TEST(PluginNewTest, ClassNames) {
  EXPECT_EQ(DetectorClassName("login_burst"), "LoginBurstDetector");
  EXPECT_EQ(DetectorClassName("hello_detector"), "HelloDetector");
  EXPECT_EQ(DetectorClassName("x"), "XDetector");
  EXPECT_EQ(DetectorClassName("geo2_hop__x_"), "Geo2HopXDetector");
  EXPECT_EQ(DetectorClassName("detector"), "Detector");
}

TEST(PluginNewTest, RefusesAnExistingFolderAndLeavesItAlone) {
  const fs::path root = MakeWorkspace("existing");
  fs::create_directories(root / "plugins/velocity");
  std::ofstream(root / "plugins/velocity/mine.cc") << "keep me";
  Result r = Invoke(
      {"plugin", "new", "velocity", "--dir", (root / "plugins").string()});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, StartsWith("riskflow plugin new: "));
  EXPECT_THAT(r.err, HasSubstr("plugins/velocity already exists; choose "
                               "another name or remove it first\n"));
  EXPECT_EQ(ListFolder(root / "plugins"), std::vector<std::string>{"velocity"});
  EXPECT_EQ(ListFolder(root / "plugins/velocity"),
            std::vector<std::string>{"mine.cc"});

  // A second run over a freshly generated plugin is refused too.
  EXPECT_EQ(
      Invoke({"plugin", "new", "fresh", "--dir", (root / "plugins").string()})
          .code,
      kExitOk);
  EXPECT_EQ(
      Invoke({"plugin", "new", "fresh", "--dir", (root / "plugins").string()})
          .code,
      kExitError);
  EXPECT_EQ(ListFolder(root / "plugins"),
            (std::vector<std::string>{"fresh", "velocity"}));
}

TEST(PluginNewTest, RefusesBadNames) {
  const fs::path root = MakeWorkspace("names");
  for (const std::string& name :
       std::vector<std::string>{"Hello", "1abc", "_x", "a-b", "a b", "a.b",
                                "hello/world", std::string(65, 'a')}) {
    Result r =
        Invoke({"plugin", "new", name, "--dir", (root / "plugins").string()});
    EXPECT_EQ(r.code, kExitError) << name;
    EXPECT_EQ(r.err,
              absl::StrCat("riskflow plugin new: invalid plugin name \"", name,
                           "\": use lower-case letters, digits and '_', "
                           "starting with a letter, at most 64 characters "
                           "(e.g. login_burst)\n"));
  }
  EXPECT_TRUE(ListFolder(root / "plugins").empty());
  EXPECT_TRUE(CheckPluginName(std::string(64, 'a')).ok());
  EXPECT_TRUE(CheckPluginName("a1_b2").ok());
}

TEST(PluginNewTest, UsageErrors) {
  Result none = Invoke({"plugin", "new"});
  EXPECT_EQ(none.code, kExitError);
  EXPECT_EQ(none.err,
            "riskflow plugin new: needs the plugin NAME, e.g. riskflow plugin "
            "new login_burst\n");
  Result two = Invoke({"plugin", "new", "a", "b"});
  EXPECT_EQ(two.code, kExitError);
  EXPECT_EQ(two.err, "riskflow plugin new: takes exactly one NAME\n");
  Result no_dir = Invoke({"plugin", "new", "a", "--dir=/nonexistent/plugins"});
  EXPECT_EQ(no_dir.code, kExitError);
  EXPECT_EQ(no_dir.err,
            "riskflow plugin new: --dir /nonexistent/plugins is not a folder "
            "(run from the workspace root, or pass --dir)\n");
  Result sub = Invoke({"plugin", "make", "a"});
  EXPECT_EQ(sub.code, kExitError);
  EXPECT_THAT(sub.err, StartsWith("riskflow plugin: unknown subcommand "
                                  "\"make\"; use new or test\n"));
}

TEST(PluginNewTest, HelpShowsBothSubcommands) {
  Result help = Invoke({"help", "plugin"});
  EXPECT_EQ(help.code, kExitOk);
  EXPECT_THAT(help.out, StartsWith("riskflow plugin new NAME [--dir plugins]"));
  EXPECT_THAT(help.out, HasSubstr("\nriskflow plugin test --plugin FILE.so"));
  EXPECT_THAT(Invoke({"help"}).out, HasSubstr("riskflow plugin test"));
}

TEST(PluginNewTest, RelativeDirFollowsBazelRunsWorkingDirectory) {
  const fs::path root = MakeWorkspace("bazel_run");
  ASSERT_EQ(setenv("BUILD_WORKING_DIRECTORY", root.c_str(), 1), 0);
  Result r = Invoke({"plugin", "new", "login_burst"});  // --dir plugins
  unsetenv("BUILD_WORKING_DIRECTORY");
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, StartsWith("created plugins/login_burst/\n"));
  EXPECT_THAT(r.out, HasSubstr("bazel build "
                               "//plugins/login_burst:liblogin_burst.so\n"));
  EXPECT_TRUE(fs::exists(root / "plugins/login_burst/BUILD.bazel"));
}

TEST(PluginNewTest, OutsideAWorkspaceSaysSo) {
  // Not under TEST_TMPDIR: that may sit below Bazel's execroot, which has a
  // WORKSPACE.
  char pattern[] = "/tmp/plugin_new_test_XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const fs::path dir = pattern;
  Result r = Invoke({"plugin", "new", "lonely", "--dir", dir.string()});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("is not inside a Bazel workspace"));
  EXPECT_EQ(ListFolder(dir / "lonely").size(), 4u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace riskflow::cli
