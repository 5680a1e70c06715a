#include "pipeline/plugin_host/plugin_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "pipeline/config/hashing.h"
#include "plugins/sdk/param_parse.h"
#include "pipeline/plugin_host/elf_check.h"
#include "pipeline/plugin_host/plugin_image.h"

namespace riskflow::plugin_host {
namespace {

absl::Status Refuse(const std::string& path, const std::string& why) {
  return absl::FailedPreconditionError(
      absl::StrCat("plugin ", path, ": ", why));
}

absl::Status CheckSchema(const rf_plugin_descriptor& d) {
  if (d.param_count > 0 && d.params == nullptr) {
    return absl::InvalidArgumentError("declares parameters but no table");
  }
  for (size_t i = 0; i < d.param_count; ++i) {
    const rf_param_spec& p = d.params[i];
    if (p.struct_size < sizeof(uint32_t) + sizeof(const char*)) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter #", i, " has struct_size ", p.struct_size));
    }
    if (p.name == nullptr || p.name[0] == '\0') {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter #", i, " has no name"));
    }
    if (!sdk::IsKnownParamType(p)) {  // not p.type: see RawParamType
      return absl::InvalidArgumentError(absl::StrCat(
          "parameter '", p.name, "' has unknown type ", sdk::RawParamType(p)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

LoadedPlugin::~LoadedPlugin() {
  if (handle_ != nullptr) {
    dlclose(handle_);
    // A library glibc cannot unload (RTLD_NODELETE, STB_GNU_UNIQUE
    // symbols) stays registered under "/proc/self/fd/<fd_>"; closing fd_
    // would let a later plugin get that number, and dlopen() would hand
    // back this stale library by name. Its memory stays mapped anyway, so
    // the descriptor stays open with it.
    void* resident =
        dlopen(open_name_.c_str(), RTLD_LAZY | RTLD_LOCAL | RTLD_NOLOAD);
    if (resident != nullptr) {
      dlclose(resident);
      return;
    }
  }
  if (fd_ >= 0) close(fd_);
}

absl::StatusOr<std::shared_ptr<LoadedPlugin>> LoadPlugin(
    const std::string& path, const BuildApproval& approve) {
  absl::StatusOr<std::unique_ptr<PluginImage>> image = PluginImage::Read(path);
  if (!image.ok()) return Refuse(path, std::string(image.status().message()));
  const std::string& bytes = (*image)->bytes();
  // Before dlopen(): a truncated or foreign file is refused here, not by a
  // SIGBUS inside the loader, and nothing of it runs.
  if (auto s = CheckElfImage(bytes, RF_PLUGIN_ENTRY_SYMBOL); !s.ok()) {
    return Refuse(path, std::string(s.message()));
  }
  std::shared_ptr<LoadedPlugin> plugin(new LoadedPlugin());
  plugin->path_ = path;
  plugin->build_id_ = config::Sha256Hex(bytes);
  if (approve != nullptr) {
    if (auto s = approve(plugin->build_id_); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("plugin ", path, ": ",
                                                 s.message()));
    }
  }
  std::string label = path.substr(path.rfind('/') + 1);
  // RTLD_LOCAL: plugins' symbols never interpose each other or the host.
  absl::StatusOr<PluginImage::Opened> opened =
      (*image)->Dlopen(label, RTLD_NOW | RTLD_LOCAL);
  if (!opened.ok()) return Refuse(path, std::string(opened.status().message()));
  plugin->handle_ = opened->handle;
  plugin->fd_ = opened->fd;
  plugin->open_name_ = opened->name;
  dlerror();
  void* sym = dlsym(plugin->handle_, RF_PLUGIN_ENTRY_SYMBOL);
  if (sym == nullptr) {
    return Refuse(path, absl::StrCat("missing entry symbol ",
                                     RF_PLUGIN_ENTRY_SYMBOL,
                                     " (is it a riskflow detector built with "
                                     "RISKFLOW_DETECTOR?)"));
  }
  auto entry = reinterpret_cast<rf_plugin_entry_fn>(sym);
  const rf_plugin_descriptor* d = entry();
  if (d == nullptr) return Refuse(path, "entry symbol returned no descriptor");
  // Fields up to last_error are ABI 1.0; older/smaller structs are refused.
  const size_t v1_size =
      offsetof(rf_plugin_descriptor, last_error) + sizeof(d->last_error);
  if (d->struct_size < v1_size) {
    return Refuse(path, absl::StrCat("descriptor struct_size ", d->struct_size,
                                     " is smaller than ABI 1.0's ", v1_size));
  }
  if (d->abi_major != RF_ABI_MAJOR) {
    return Refuse(path, absl::StrCat("built for ABI ", d->abi_major, ".",
                                     d->abi_minor, ", this host speaks ABI ",
                                     RF_ABI_MAJOR, ".", RF_ABI_MINOR,
                                     " (major versions must match)"));
  }
  if (d->abi_minor > RF_ABI_MINOR) {
    return Refuse(path, absl::StrCat("built for ABI ", d->abi_major, ".",
                                     d->abi_minor, ", newer than this host's ",
                                     RF_ABI_MAJOR, ".", RF_ABI_MINOR,
                                     "; upgrade riskflowd"));
  }
  if (d->name == nullptr || d->name[0] == '\0' || d->version == nullptr) {
    return Refuse(path, "descriptor has no name or version");
  }
  if (d->create == nullptr || d->on_event == nullptr ||
      d->destroy == nullptr || d->last_error == nullptr) {
    return Refuse(path, "descriptor is missing a callback "
                        "(create, on_event, destroy and last_error are "
                        "required)");
  }
  if (auto s = CheckSchema(*d); !s.ok()) {
    return Refuse(path, absl::StrCat("bad parameter schema: ", s.message()));
  }
  plugin->descriptor_ = d;
  return plugin;
}

std::vector<std::string> DefaultPluginSearchPath() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("RISKFLOW_PLUGIN_PATH")) {
    for (absl::string_view d : absl::StrSplit(env, ':', absl::SkipEmpty())) {
      dirs.emplace_back(d);
    }
  }
  if (const char* srcdir = std::getenv("TEST_SRCDIR")) {
    dirs.push_back(absl::StrCat(srcdir, "/riskflow/plugins"));
  }
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    exe[n] = '\0';
    std::string self(exe);
    dirs.push_back(self + ".runfiles/riskflow/plugins");
    // bazel-bin/tools/riskflowd/riskflowd -> bazel-bin/plugins
    std::string::size_type slash = self.rfind('/');
    if (slash != std::string::npos) {
      std::string dir = self.substr(0, slash);
      dirs.push_back(dir + "/../../plugins");
      dirs.push_back(dir + "/plugins");
    }
  }
  dirs.push_back("/usr/lib/riskflow/plugins");
  return dirs;
}

}  // namespace riskflow::plugin_host
