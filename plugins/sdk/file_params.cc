#include "plugins/sdk/file_params.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace riskflow {
namespace sdk {
namespace {

std::string Describe(const std::string& resolved, const std::string& given) {
  if (resolved == given) return resolved;
  return resolved + " (from \"" + given + "\")";
}

// Reads at most limit + 1 bytes so an oversized file is caught even when it
// grows between the stat and the read.
bool ReadBounded(const std::string& path, uint64_t limit, std::string* out,
                 std::string* why) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    *why = std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *why = "not a regular file";
    return false;
  }
  if (static_cast<uint64_t>(st.st_size) > limit) {
    *why = std::to_string(st.st_size) + " bytes, limit " +
           std::to_string(limit);
    return false;
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    *why = std::strerror(errno);
    return false;
  }
  out->clear();
  char buf[64 * 1024];
  bool ok = true;
  while (true) {
    size_t n = std::fread(buf, 1, sizeof(buf), f);
    out->append(buf, n);
    if (out->size() > limit) {
      *why = "more than " + std::to_string(limit) + " bytes";
      ok = false;
      break;
    }
    if (n < sizeof(buf)) {
      if (std::ferror(f)) {
        *why = "read failed";
        ok = false;
      }
      break;
    }
  }
  std::fclose(f);
  return ok;
}

}  // namespace

std::string ResolveFileParamPath(const std::string& path,
                                 const std::string& base_dir) {
  if (!path.empty() && path.front() == '/') return path;
  if (base_dir.empty()) return path;
  if (base_dir.back() == '/') return base_dir + path;
  return base_dir + "/" + path;
}

bool LoadFileParams(const rf_param_spec* specs, size_t count,
                    const std::string& base_dir, ParsedParams* params,
                    std::vector<LoadedFileParam>* files, std::string* error) {
  files->clear();
  for (size_t i = 0; i < count; ++i) {
    const rf_param_spec& spec = specs[i];
    if (RawParamType(spec) != RF_PARAM_FILE) continue;
    const rf_param_value* v = params->Find(spec.name);
    if (v == nullptr) continue;  // optional and not given
    LoadedFileParam file;
    file.param = spec.name;
    file.path = std::string(v->text.ptr, v->text.len);
    file.resolved = ResolveFileParamPath(file.path, base_dir);
    uint64_t limit = kMaxFileParamBytes;
    if (spec.has_range && spec.max >= 0 &&
        spec.max < static_cast<double>(limit)) {
      limit = static_cast<uint64_t>(spec.max);
    }
    std::string why;
    if (!ReadBounded(file.resolved, limit, &file.contents, &why)) {
      *error = "parameter '" + file.param + "': cannot read " +
               Describe(file.resolved, file.path) + ": " + why;
      files->clear();
      return false;
    }
    const auto size = static_cast<int64_t>(file.contents.size());
    params->ReplaceText(spec.name, file.contents, size,
                        static_cast<double>(size));
    files->push_back(std::move(file));
  }
  return true;
}

}  // namespace sdk
}  // namespace riskflow
