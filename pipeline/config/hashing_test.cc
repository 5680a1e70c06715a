#include "pipeline/config/hashing.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/config/pipeline_yaml.h"
#include "proto/riskflow/v1/config.pb.h"

namespace riskflow {
namespace config {
namespace {

using ::riskflow::v1::PipelineConfig;

TEST(Sha256HexTest, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// Many params, so map iteration order has a chance to differ between
// parses; deterministic serialization must hide that.
constexpr char kYaml[] = R"(
name: p
detectors:
  - name: d
    plugin: velocity
    params: {z: 1, y: 2, x: 3, w: 4, v: 5, u: 6, t: 7, s: 8, r: 9, q: 10,
             p: 11, o: 12, n: 13, m: 14, l: 15, k: 16, j: 17, i: 18}
)";

TEST(CanonicalConfigBytesTest, SameYamlGivesSameHash) {
  absl::StatusOr<PipelineConfig> a = ParsePipelineYaml(kYaml);
  absl::StatusOr<PipelineConfig> b = ParsePipelineYaml(kYaml);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(CanonicalConfigBytes(*a), CanonicalConfigBytes(*b));
  EXPECT_EQ(Sha256Hex(CanonicalConfigBytes(*a)),
            Sha256Hex(CanonicalConfigBytes(*b)));
}

TEST(CanonicalConfigBytesTest, MapInsertionOrderDoesNotMatter) {
  PipelineConfig a;
  PipelineConfig b;
  auto* pa = a.add_detectors()->mutable_params();
  auto* pb = b.add_detectors()->mutable_params();
  for (int i = 0; i < 50; ++i) {
    (*pa)["k" + std::to_string(i)] = "v";
    (*pb)["k" + std::to_string(49 - i)] = "v";
  }
  EXPECT_EQ(CanonicalConfigBytes(a), CanonicalConfigBytes(b));
}

TEST(CanonicalConfigBytesTest, AnyChangeChangesTheHash) {
  absl::StatusOr<PipelineConfig> a = ParsePipelineYaml(kYaml);
  ASSERT_TRUE(a.ok()) << a.status();
  PipelineConfig b = *a;
  (*b.mutable_detectors(0)->mutable_params())["z"] = "2";
  EXPECT_NE(Sha256Hex(CanonicalConfigBytes(*a)),
            Sha256Hex(CanonicalConfigBytes(b)));
}

TEST(CanonicalConfigBytesTest, RoundTrips) {
  absl::StatusOr<PipelineConfig> a = ParsePipelineYaml(kYaml);
  ASSERT_TRUE(a.ok()) << a.status();
  PipelineConfig back;
  ASSERT_TRUE(back.ParseFromString(CanonicalConfigBytes(*a)));
  EXPECT_EQ(back.DebugString(), a->DebugString());
}

// Holds are on unless the pipeline says otherwise, and the hash follows the
// effective setting, not the spelling: leaving the key out and writing
// `account_holds: true` are one version; `account_holds: false` is another,
// and serializes exactly as a pipeline from before the default changed
// (field absent), so an old log replays under its old version hash.
TEST(CanonicalConfigBytesTest, HashFollowsEffectiveAccountHolds) {
  absl::StatusOr<PipelineConfig> absent = ParsePipelineYaml(kYaml);
  absl::StatusOr<PipelineConfig> on =
      ParsePipelineYaml(std::string("account_holds: true\n") + kYaml);
  absl::StatusOr<PipelineConfig> off =
      ParsePipelineYaml(std::string("account_holds: false\n") + kYaml);
  ASSERT_TRUE(absent.ok()) << absent.status();
  ASSERT_TRUE(on.ok()) << on.status();
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(CanonicalConfigBytes(*absent), CanonicalConfigBytes(*on));
  EXPECT_NE(Sha256Hex(CanonicalConfigBytes(*absent)),
            Sha256Hex(CanonicalConfigBytes(*off)));
  PipelineConfig old_style = *off;  // as parsed before holds were default
  old_style.clear_account_holds();
  EXPECT_EQ(CanonicalConfigBytes(*off), CanonicalConfigBytes(old_style));
}

}  // namespace
}  // namespace config
}  // namespace riskflow
