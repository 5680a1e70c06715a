// The ELF check over hostile input: every truncation of real built plugins
// and byte flips all over them. None may crash; every truncation is
// refused; LoadPlugin names the file and the reason, before dlopen().
// Then: what dlopen() maps is a sealed copy, so truncating the file after
// loading cannot SIGBUS the host.
#include "pipeline/plugin_host/elf_check.h"

#include <elf.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "pipeline/storage/test_util.h"
#include "plugins/testing/test_plugins.h"

namespace riskflow::plugin_host {
namespace {

using ::riskflow::testing::RealPluginPath;
using ::riskflow::testing::TestPluginPath;
using ::testing::AnyOf;
using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::vector<std::string> Plugins() {
  return {RealPluginPath("velocity"), RealPluginPath("large_amount"),
          TestPluginPath("faulty"), TestPluginPath("constructor_marker")};
}

TEST(ElfCheckTest, BuiltPluginsPass) {
  for (const std::string& path : Plugins()) {
    EXPECT_TRUE(CheckElfImage(ReadFile(path), RF_PLUGIN_ENTRY_SYMBOL).ok())
        << path << ": "
        << CheckElfImage(ReadFile(path), RF_PLUGIN_ENTRY_SYMBOL);
  }
}

TEST(ElfCheckTest, EveryTruncationIsRefused) {
  for (const std::string& path : Plugins()) {
    const std::string image = ReadFile(path);
    ASSERT_GT(image.size(), 1000u) << path;
    for (size_t size = 0; size < image.size(); ++size) {
      absl::Status s = CheckElfImage(
          absl::string_view(image.data(), size), RF_PLUGIN_ENTRY_SYMBOL);
      ASSERT_FALSE(s.ok()) << path << " truncated to " << size;
      ASSERT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
      ASSERT_FALSE(s.message().empty());
    }
  }
}

TEST(ElfCheckTest, ByteFlipsNeverCrashAndHeaderDamageIsRefused) {
  std::mt19937_64 rng(20261203);
  for (const std::string& path : Plugins()) {
    const std::string image = ReadFile(path);
    Elf64_Ehdr h;
    std::memcpy(&h, image.data(), sizeof(h));
    // Every byte of the ELF header, the program headers and the section
    // headers, then random bytes anywhere, each with several patterns.
    std::vector<size_t> offsets;
    for (size_t i = 0; i < sizeof(h); ++i) offsets.push_back(i);
    for (size_t i = 0; i < h.e_phnum * sizeof(Elf64_Phdr); ++i) {
      offsets.push_back(h.e_phoff + i);
    }
    for (size_t i = 0; i < h.e_shnum * sizeof(Elf64_Shdr); ++i) {
      offsets.push_back(h.e_shoff + i);
    }
    for (int i = 0; i < 3000; ++i) offsets.push_back(rng() % image.size());
    int refused = 0;
    for (size_t offset : offsets) {
      for (uint8_t pattern : {0xFF, 0x80, 0x01, 0x00, 0x7F}) {
        std::string bad = image;
        bad[offset] = pattern == 0x00 || pattern == 0x7F
                          ? static_cast<char>(pattern)
                          : static_cast<char>(bad[offset] ^ pattern);
        absl::Status s = CheckElfImage(bad, RF_PLUGIN_ENTRY_SYMBOL);
        if (!s.ok()) {
          ++refused;
          ASSERT_FALSE(s.message().empty());
        }
      }
    }
    EXPECT_GT(refused, 100) << path;
    // Specific header fields this host depends on.
    struct Case {
      size_t offset;
      char value;
      const char* why;
    } cases[] = {
        {0, 'x', "bad magic"},
        {EI_CLASS, ELFCLASS32, "is not ELF64"},
        {EI_DATA, ELFDATA2MSB, "not little-endian"},
        {offsetof(Elf64_Ehdr, e_type), ET_EXEC, "not a shared library"},
        {offsetof(Elf64_Ehdr, e_machine), 3 /* EM_386 */, "ELF machine 3"},
        {offsetof(Elf64_Ehdr, e_phoff) + 3, 0x7F, "program header table"},
        {offsetof(Elf64_Ehdr, e_shoff) + 5, 0x01, "section header table"},
    };
    for (const Case& c : cases) {
      std::string bad = image;
      bad[c.offset] = c.value;
      absl::Status s = CheckElfImage(bad, RF_PLUGIN_ENTRY_SYMBOL);
      EXPECT_THAT(std::string(s.message()), HasSubstr(c.why))
          << path << " offset " << c.offset;
    }
  }
}

TEST(ElfCheckTest, SizeBounds) {
  EXPECT_THAT(std::string(CheckElfImage("", "x").message()),
              HasSubstr("file is 0 bytes, smaller than an ELF header"));
  EXPECT_THAT(std::string(CheckElfImage(std::string(63, '\x7f'), "x").message()),
              HasSubstr("truncated or empty"));
}

TEST(ElfCheckTest, EntrySymbolMustBeExported) {
  const std::string image = ReadFile(RealPluginPath("velocity"));
  EXPECT_TRUE(CheckElfImage(image, RF_PLUGIN_ENTRY_SYMBOL).ok());
  EXPECT_THAT(std::string(CheckElfImage(image, "riskflow_other").message()),
              HasSubstr("missing entry symbol riskflow_other in .dynsym"));
  // An imported symbol is listed in .dynsym but undefined.
  EXPECT_THAT(std::string(CheckElfImage(image, "memcpy").message()),
              AnyOf(HasSubstr("memcpy is undefined"),
                    HasSubstr("missing entry symbol memcpy")));
  EXPECT_THAT(
      std::string(CheckElfImage(ReadFile(TestPluginPath("no_entry_symbol")),
                                RF_PLUGIN_ENTRY_SYMBOL)
                      .message()),
      HasSubstr("missing entry symbol riskflow_plugin_descriptor_v1"));
}

// Truncated copies on disk: LoadPlugin refuses each with the file named and
// a reason, and never reaches dlopen() (the marker plugin's constructor
// would write the marker file).
TEST(LoadPluginTruncatedTest, RefusedWithFileAndReasonBeforeDlopen) {
  storage::ScopedTempDir tmp;
  const std::string marker = tmp.path() + "/marker";
  ASSERT_EQ(setenv("RISKFLOW_TEST_MARKER_FILE", marker.c_str(), 1), 0);
  const std::string image = ReadFile(TestPluginPath("constructor_marker"));
  const std::string copy = tmp.path() + "/libtruncated.so";
  std::vector<size_t> sizes = {0, 1, 4, 63, 64, 65, 200, 1000, 4096};
  for (size_t s = 4097; s < image.size(); s += image.size() / 97) {
    sizes.push_back(s);
  }
  sizes.push_back(image.size() - 1);
  for (size_t size : sizes) {
    WriteFile(copy, image.substr(0, size));
    auto plugin = LoadPlugin(copy);
    ASSERT_FALSE(plugin.ok()) << size;
    EXPECT_EQ(plugin.status().code(), absl::StatusCode::kFailedPrecondition);
    const std::string message(plugin.status().message());
    EXPECT_THAT(message, HasSubstr("plugin " + copy + ": ")) << size;
    EXPECT_THAT(message, AnyOf(HasSubstr("truncated"), HasSubstr("bad magic"),
                               HasSubstr("malformed")))
        << size << ": " << message;
  }
  EXPECT_NE(access(marker.c_str(), F_OK), 0)
      << "a truncated plugin was dlopen()ed";
  // The whole file loads, and its constructor runs: the check above could
  // have failed.
  WriteFile(copy, image);
  auto plugin = LoadPlugin(copy);
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  EXPECT_EQ(access(marker.c_str(), F_OK), 0);
  unsetenv("RISKFLOW_TEST_MARKER_FILE");
}

// dlopen() maps a sealed in-memory copy: truncating (or rewriting) the file
// after the load cannot pull pages out from under the running plugin.
TEST(LoadPluginImageTest, TruncatingTheFileAfterLoadingIsHarmless) {
  storage::ScopedTempDir tmp;
  const std::string copy = tmp.path() + "/libvelocity.so";
  const std::string image = ReadFile(RealPluginPath("velocity"));
  WriteFile(copy, image);
  auto plugin = LoadPlugin(copy);
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  ASSERT_EQ(truncate(copy.c_str(), 100), 0);
  std::string maps = ReadFile("/proc/self/maps");
  EXPECT_THAT(maps, HasSubstr("memfd:riskflow:libvelocity.so"));
  // Touches the plugin's code and data: with a file mapping these pages
  // would now be past the end of the file (SIGBUS).
  const rf_plugin_descriptor& d = (*plugin)->descriptor();
  EXPECT_STREQ(d.name, "velocity");
  EXPECT_GT(d.param_count, 0u);
  for (size_t i = 0; i < d.param_count; ++i) {
    EXPECT_NE(d.params[i].name, nullptr);
  }
  // The build id is the hash of what was loaded, not of the file now.
  auto again = LoadPlugin(RealPluginPath("velocity"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*plugin)->build_id(), (*again)->build_id());
}

// Every load is a new /proc/self/fd/<n> name; glibc must never hand back
// an earlier library loaded under a reused descriptor number.
TEST(LoadPluginImageTest, LoadsAfterUnloadsGetTheirOwnLibrary) {
  for (int round = 0; round < 3; ++round) {
    for (const auto& [path, name] :
         std::vector<std::pair<std::string, std::string>>{
             {RealPluginPath("velocity"), "velocity"},
             {TestPluginPath("faulty"), "faulty"},
             {RealPluginPath("large_amount"), "large_amount"}}) {
      auto plugin = LoadPlugin(path);
      ASSERT_TRUE(plugin.ok()) << plugin.status();
      EXPECT_EQ((*plugin)->descriptor().name, name) << round;
    }
  }
}

TEST(LoadPluginApprovalTest, RefusalNamesFileAndHashBeforeDlopen) {
  storage::ScopedTempDir tmp;
  const std::string marker = tmp.path() + "/marker";
  ASSERT_EQ(setenv("RISKFLOW_TEST_MARKER_FILE", marker.c_str(), 1), 0);
  std::string seen;
  auto plugin = LoadPlugin(TestPluginPath("constructor_marker"),
                           [&](const std::string& sha256) {
                             seen = sha256;
                             return absl::PermissionDeniedError(
                                 absl::StrCat("build sha256 ", sha256,
                                              " is not allowed"));
                           });
  unsetenv("RISKFLOW_TEST_MARKER_FILE");
  ASSERT_FALSE(plugin.ok());
  EXPECT_EQ(plugin.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(seen.size(), 64u);
  EXPECT_THAT(std::string(plugin.status().message()),
              HasSubstr("plugin " + TestPluginPath("constructor_marker") +
                        ": build sha256 " + seen + " is not allowed"));
  EXPECT_NE(access(marker.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace riskflow::plugin_host
