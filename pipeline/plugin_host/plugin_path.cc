#include "pipeline/plugin_host/plugin_path.h"

#include <sys/stat.h>

#include <cstdlib>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace riskflow::plugin_host {
namespace {

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool IsSymlink(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

// "" when the path does not exist.
std::string RealPath(const std::string& path) {
  char* resolved = realpath(path.c_str(), nullptr);
  if (resolved == nullptr) return "";
  std::string out(resolved);
  free(resolved);
  return out;
}

bool IsInside(const std::string& path, const std::string& root) {
  if (root.empty() || path.empty()) return false;
  if (root == "/") return path.size() > 1 && path[0] == '/';
  return absl::StartsWith(path, root) && path.size() > root.size() &&
         path[root.size()] == '/';
}

std::string StripTrailingSlashes(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

absl::Status Refuse(const std::string& plugin, const std::string& why,
                    const std::vector<std::string>& dirs) {
  return absl::PermissionDeniedError(absl::StrCat(
      "plugin '", plugin, "': ", why,
      "; plugins load only from the plugin path (",
      dirs.empty() ? "no directories configured" : absl::StrJoin(dirs, ", "),
      "); set riskflowd --plugin_path or RISKFLOW_PLUGIN_PATH"));
}

// "" if every component of the relative path `rel` is a plain name.
std::string BadComponent(absl::string_view rel) {
  for (absl::string_view part : absl::StrSplit(rel, '/')) {
    if (part.empty()) return "an empty path component ('//' or a trailing '/')";
    if (part == "." || part == "..") {
      return absl::StrCat("a '", part, "' path component");
    }
  }
  return "";
}

enum class Found { kMissing, kFile, kEscapes };

// Whether DIR/REL is a plugin file inside DIR. A symlinked directory on
// the way from DIR to the file may lead anywhere (e.g. to /tmp), so it is
// accepted only when the file really lies inside DIR.
Found Look(const std::string& dir, absl::string_view rel, std::string* file,
           std::string* escape) {
  *file = absl::StrCat(dir, "/", rel);
  if (!IsRegularFile(*file)) return Found::kMissing;
  std::string walk = dir;
  std::vector<absl::string_view> parts = absl::StrSplit(rel, '/');
  parts.pop_back();
  for (absl::string_view part : parts) {
    absl::StrAppend(&walk, "/", part);
    if (!IsSymlink(walk)) continue;
    const std::string real_file = RealPath(*file);
    const std::string real_dir = RealPath(dir);
    if (IsInside(real_file, real_dir)) return Found::kFile;
    *escape = absl::StrCat(*file, " leaves the plugin directory ", dir,
                           " through the symlink ", walk, " (it is ",
                           real_file, ")");
    return Found::kEscapes;
  }
  return Found::kFile;
}

absl::StatusOr<std::string> ResolveAbsolute(
    const std::string& plugin, const std::vector<std::string>& dirs) {
  if (std::string bad = BadComponent(absl::string_view(plugin).substr(1));
      !bad.empty()) {
    return Refuse(plugin, absl::StrCat("a plugin path must not contain ", bad),
                  dirs);
  }
  for (const std::string& raw : dirs) {
    if (raw.empty()) continue;
    // The directory as written, then as it really is (it may itself be a
    // symlink, such as bazel-bin, or contain "..").
    for (const std::string& dir :
         {StripTrailingSlashes(raw), RealPath(raw)}) {
      if (!IsInside(plugin, dir)) continue;
      std::string file, escape;
      switch (Look(dir, absl::string_view(plugin).substr(dir.size() + 1),
                   &file, &escape)) {
        case Found::kFile:
          return plugin;
        case Found::kEscapes:
          return Refuse(plugin, escape, dirs);
        case Found::kMissing:
          return absl::NotFoundError(
              absl::StrCat("plugin ", plugin, ": no such file"));
      }
    }
  }
  // Spelled through some other symlink: what counts is where it leads.
  const std::string real = RealPath(plugin);
  if (!real.empty()) {
    for (const std::string& raw : dirs) {
      if (IsInside(real, RealPath(raw)) && IsRegularFile(real)) return plugin;
    }
  }
  return Refuse(plugin, "the path is outside the plugin path", dirs);
}

}  // namespace

absl::StatusOr<std::string> ResolvePluginPath(
    const std::string& plugin, const std::vector<std::string>& search_dirs) {
  if (plugin.empty()) {
    return absl::InvalidArgumentError("plugin: the name is empty");
  }
  // c_str() would silently cut the name at a NUL byte.
  if (plugin.find('\0') != std::string::npos) {
    return Refuse(absl::CHexEscape(plugin), "the name contains a NUL byte",
                  search_dirs);
  }
  if (plugin[0] == '/') return ResolveAbsolute(plugin, search_dirs);
  if (std::string bad = BadComponent(plugin); !bad.empty()) {
    return Refuse(plugin, absl::StrCat("a plugin name must not contain ", bad),
                  search_dirs);
  }
  std::vector<std::string> rels;
  if (plugin.find('/') != std::string::npos || absl::EndsWith(plugin, ".so")) {
    rels = {plugin};
  } else {
    rels = {absl::StrCat(plugin, "/lib", plugin, ".so"),
            absl::StrCat("lib", plugin, ".so")};
  }
  std::vector<std::string> tried;
  for (const std::string& raw : search_dirs) {
    // An empty entry must not turn into "/" + rel.
    if (raw.empty()) continue;
    const std::string dir = StripTrailingSlashes(raw);
    for (const std::string& rel : rels) {
      std::string file, escape;
      switch (Look(dir, rel, &file, &escape)) {
        case Found::kFile:
          return file;
        case Found::kEscapes:
          return Refuse(plugin, escape, search_dirs);
        case Found::kMissing:
          tried.push_back(file);
      }
    }
  }
  return absl::NotFoundError(absl::StrCat(
      "plugin '", plugin, "' not found on the plugin path (tried ",
      absl::StrJoin(tried, ", "),
      "); set --plugin_path or RISKFLOW_PLUGIN_PATH"));
}

}  // namespace riskflow::plugin_host
