#include "tools/riskflow/plugin_new.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tools/riskflow/common.h"
#include "tools/riskflow/flags.h"
#include "tools/riskflow/templates/build_bazel.h"
#include "tools/riskflow/templates/detector_cc.h"
#include "tools/riskflow/templates/readme_md.h"
#include "tools/riskflow/templates/test_cc.h"

namespace riskflow::cli {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxNameLength = 64;
constexpr char kCommand[] = "riskflow plugin new";

// The folder holding WORKSPACE (or WORKSPACE.bazel) at or above dir, or ""
// when there is none.
fs::path FindWorkspaceRoot(const fs::path& dir) {
  std::error_code ec;
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / "WORKSPACE", ec) ||
        fs::exists(p / "WORKSPACE.bazel", ec)) {
      return p;
    }
    if (p == p.root_path()) break;
  }
  return fs::path();
}

absl::Status WriteFile(const fs::path& path, const std::string& content) {
  std::ofstream file(path, std::ios::binary);
  file << content;
  file.close();
  if (!file) {
    return absl::InternalError(
        absl::StrCat("cannot write ", path.string(), ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

// rename() that fails with EEXIST instead of replacing an empty folder
// created since the caller checked; plain rename() where the file system
// lacks RENAME_NOREPLACE.
int RenameNoReplace(const fs::path& from, const fs::path& to) {
  int rc =
      renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE);
  if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
    rc = rename(from.c_str(), to.c_str());
  }
  return rc;
}

// Writes every file into a fresh hidden folder next to target, then renames
// it into place, so a failure never leaves half a plugin behind and a folder
// created meanwhile is not overwritten.
absl::Status WriteFolder(const fs::path& target,
                         const std::vector<GeneratedFile>& files) {
  std::string pattern =
      (target.parent_path() /
       absl::StrCat(".", target.filename().string(), ".new-XXXXXX"))
          .string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create a folder in ",
                                            target.parent_path().string(), ": ",
                                            strerror(errno)));
  }
  const fs::path staging = pattern;
  absl::Status status;
  for (const GeneratedFile& file : files) {
    status = WriteFile(staging / file.path, file.content);
    if (!status.ok()) break;
  }
  // Created 0700 by mkdtemp; give it the usual folder permissions.
  std::error_code ec;
  fs::permissions(staging,
                  fs::perms::owner_all | fs::perms::group_read |
                      fs::perms::group_exec | fs::perms::others_read |
                      fs::perms::others_exec,
                  ec);
  if (status.ok() && RenameNoReplace(staging, target) != 0) {
    status =
        errno == EEXIST || errno == ENOTEMPTY
            ? absl::AlreadyExistsError(
                  absl::StrCat(target.string(), " already exists"))
            : absl::InternalError(absl::StrCat(
                  "cannot create ", target.string(), ": ", strerror(errno)));
  }
  if (!status.ok()) fs::remove_all(staging, ec);
  return status;
}

}  // namespace

absl::Status CheckPluginName(const std::string& name) {
  bool valid =
      !name.empty() && name.size() <= kMaxNameLength &&
      absl::ascii_islower(name[0]) &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_';
      });
  if (valid) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid plugin name \"", name,
      "\": use lower-case letters, digits and '_', starting with a letter, "
      "at most ",
      kMaxNameLength, " characters (e.g. login_burst)"));
}

std::string DetectorClassName(const std::string& name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? absl::ascii_toupper(c) : c;
    upper = false;
  }
  constexpr char kSuffix[] = "Detector";
  if (out.size() < sizeof(kSuffix) - 1 ||
      out.compare(out.size() - (sizeof(kSuffix) - 1), std::string::npos,
                  kSuffix) != 0) {
    out += kSuffix;
  }
  return out;
}

std::vector<GeneratedFile> RenderPluginFiles(const std::string& name,
                                             const std::string& package) {
  const std::vector<std::pair<std::string, std::string>> replacements = {
      {"{{name}}", name},
      {"{{Class}}", DetectorClassName(name)},
      {"{{NAME}}", absl::AsciiStrToUpper(name)},
      {"{{package}}", package},
  };
  auto render = [&](const char* text) {
    return absl::StrReplaceAll(text, replacements);
  };
  return {
      {"BUILD.bazel", render(templates::kBuildBazel)},
      {"README.md", render(templates::kReadmeMd)},
      {name + "_detector.cc", render(templates::kDetectorCc)},
      {name + "_test.cc", render(templates::kTestCc)},
  };
}

absl::StatusOr<PluginNewOptions> ParsePluginNewArgs(
    const std::vector<std::string>& args) {
  PluginNewOptions options;
  FlagSet flags(kCommand);
  flags.AddString("dir", &options.dir, "folder to create the plugin folder in");
  auto positional = flags.Parse(args);
  if (!positional.ok()) return positional.status();
  if (positional->size() != 1) {
    return absl::InvalidArgumentError(
        positional->empty()
            ? "needs the plugin NAME, e.g. riskflow plugin new login_burst"
            : "takes exactly one NAME");
  }
  options.name = (*positional)[0];
  if (absl::Status s = CheckPluginName(options.name); !s.ok()) return s;
  if (options.dir.empty()) {
    return absl::InvalidArgumentError("--dir must not be empty");
  }
  return options;
}

int RunPluginNew(const PluginNewOptions& options, std::ostream& out,
                 std::ostream& err) {
  if (absl::Status s = CheckPluginName(options.name); !s.ok()) {
    err << kCommand << ": " << s.message() << "\n";
    return kExitError;
  }
  const fs::path dir = ResolveUserPath(options.dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    err << kCommand << ": --dir " << options.dir
        << " is not a folder (run from the workspace root, or pass --dir)\n";
    return kExitError;
  }
  const fs::path target = dir / options.name;
  if (fs::exists(fs::symlink_status(target, ec))) {
    err << kCommand << ": " << (fs::path(options.dir) / options.name).string()
        << " already exists; choose another name or remove it first\n";
    return kExitError;
  }
  // The Bazel package, for the commands written into comments and README.
  const fs::path absolute = fs::absolute(target, ec).lexically_normal();
  const fs::path root = FindWorkspaceRoot(absolute.parent_path());
  // Outside a workspace, the conventional place it will be moved to.
  const std::string package =
      root.empty() ? "plugins/" + options.name
                   : absolute.lexically_relative(root).generic_string();

  std::vector<GeneratedFile> files = RenderPluginFiles(options.name, package);
  if (absl::Status s = WriteFolder(target, files); !s.ok()) {
    err << kCommand << ": " << s.message() << "\n";
    return kExitError;
  }
  out << "created " << (fs::path(options.dir) / options.name).string() << "/\n";
  for (const GeneratedFile& file : files) out << "  " << file.path << "\n";
  if (root.empty()) {
    out << "note: " << options.dir
        << " is not inside a Bazel workspace (no WORKSPACE above it); move "
           "the folder to plugins/ in the riskflow workspace, its BUILD file "
           "needs //plugins/sdk\n";
  }
  out << "next:\n"
      << "  bazel test //" << package << ":" << options.name << "_test\n"
      << "  bazel build //" << package << ":lib" << options.name << ".so\n"
      << "  riskflow plugin test --plugin bazel-bin/" << package << "/lib"
      << options.name << ".so --events tools/sample/events.jsonl\n";
  return kExitOk;
}

int PluginNewMain(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err) {
  auto options = ParsePluginNewArgs(args);
  if (!options.ok()) {
    err << kCommand << ": " << options.status().message() << "\n";
    return kExitError;
  }
  return RunPluginNew(*options, out, err);
}

}  // namespace riskflow::cli
