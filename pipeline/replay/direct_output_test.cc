#include "pipeline/replay/direct_output.h"

#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "pipeline/config/hashing.h"
#include "pipeline/storage/test_util.h"

namespace riskflow::replay {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Appends of random sizes (0 to several buffers) through a small buffer:
// the file holds exactly the bytes appended and the hash is theirs, whether
// O_DIRECT is used or not, for totals that end on and off a block.
TEST(DirectOutputTest, FileAndHashAreExactlyTheAppendedBytes) {
  storage::ScopedTempDir dir;
  std::mt19937_64 rng(7);
  for (bool direct : {true, false}) {
    for (size_t total : {size_t{0}, size_t{1}, DirectOutput::kAlign,
                         3 * DirectOutput::kAlign + 17, size_t{100000}}) {
      const std::string path = dir.path() + "/out";
      DirectOutput out(path, 2 * DirectOutput::kAlign);
      ASSERT_TRUE(out.Open(direct).ok());
      if (!direct) EXPECT_FALSE(out.direct());
      std::string expected;
      while (expected.size() < total) {
        const size_t n = std::min<size_t>(rng() % (3 * DirectOutput::kAlign),
                                          total - expected.size());
        std::string piece(n, '\0');
        for (char& c : piece) c = static_cast<char>(rng());
        ASSERT_TRUE(out.Append(piece.data(), piece.size()).ok());
        expected += piece;
      }
      absl::StatusOr<std::string> sha = out.Finish();
      ASSERT_TRUE(sha.ok()) << sha.status();
      EXPECT_EQ(*sha, config::Sha256Hex(expected)) << direct << " " << total;
      EXPECT_EQ(ReadAll(path), expected) << direct << " " << total;
    }
  }
}

TEST(DirectOutputTest, UnwritableDirectoryIsAnErrorNamingThePath) {
  DirectOutput out("/nonexistent-dir/out.pb");
  absl::Status s = out.Open();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent-dir/out.pb"), std::string::npos);
}

}  // namespace
}  // namespace riskflow::replay
