// Helpers shared by the fuzz targets: an invariant check that crashes (so
// libFuzzer keeps the input), deterministic protobuf bytes for comparing
// messages, and a scratch file for decoders that read paths.
#ifndef RISKFLOW_FUZZ_FUZZ_UTIL_H_
#define RISKFLOW_FUZZ_FUZZ_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "google/protobuf/message_lite.h"

namespace riskflow::fuzz {

// Prints what broke and aborts: a property violation is a finding exactly
// like a crash, and libFuzzer saves the input either way.
[[noreturn]] void Fail(const char* file, int line, const std::string& what);

#define FUZZ_CHECK(cond, what)                                   \
  do {                                                           \
    if (!(cond)) ::riskflow::fuzz::Fail(__FILE__, __LINE__, what); \
  } while (0)

// Serialization with sorted map entries, so equal messages give equal
// bytes (and -0.0 stays apart from 0.0).
std::string DeterministicBytes(const google::protobuf::MessageLite& message);

// Writes `data` to one file per process (under $TEST_TMPDIR or /tmp, the
// name ending in `suffix`) and returns its path; each call overwrites it.
std::string WriteScratchFile(std::string_view data, std::string_view suffix);

// A fresh private directory per process for targets that need a store.
std::string MakeScratchDir(std::string_view tag);

// Printable form of bytes for failure messages.
std::string Show(std::string_view bytes);

}  // namespace riskflow::fuzz

#endif  // RISKFLOW_FUZZ_FUZZ_UTIL_H_
