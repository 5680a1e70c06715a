// A structural check of a detector plugin's bytes before dlopen() sees them.
//
// dlopen() trusts the file it maps: a truncated .so makes the loader touch
// pages past the end of the file (SIGBUS), a .so for another machine or an
// executable fails in confusing ways. This decoder reads the ELF image as
// hostile input — every offset and count is bounds-checked against the
// image before use — and refuses anything the host could not load cleanly.
//
// It is a guard against accidents (truncated copies, wrong architecture,
// not a plugin at all), not against a crafted file: a well-formed library
// can still do anything once loaded. Only the plugin path and the SHA-256
// allowlist decide which files are trusted (see docs/plugin-loading.md).
#ifndef RISKFLOW_PIPELINE_PLUGIN_HOST_ELF_CHECK_H_
#define RISKFLOW_PIPELINE_PLUGIN_HOST_ELF_CHECK_H_

#include <cstdint>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace riskflow::plugin_host {

// Bounds on a plugin file's size. The largest built-in plugin is a few
// MB; anything near the maximum is a mistake, not a detector.
inline constexpr uint64_t kMinPluginFileBytes = 64;  // sizeof(Elf64_Ehdr)
inline constexpr uint64_t kMaxPluginFileBytes = 256ull << 20;

// Checks that `image` (a whole file) is a loadable shared object for this
// host: ELF magic, ELF64, the host's byte order and machine, ET_DYN, header
// tables and every PT_LOAD / PT_DYNAMIC segment inside the file, a
// PT_DYNAMIC segment, and `entry_symbol` defined in .dynsym. The error
// (FailedPrecondition) says what is wrong, without the file name.
absl::Status CheckElfImage(absl::string_view image, absl::string_view entry_symbol);

}  // namespace riskflow::plugin_host

#endif  // RISKFLOW_PIPELINE_PLUGIN_HOST_ELF_CHECK_H_
