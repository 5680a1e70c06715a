#include "pipeline/state/int64_add_operator.h"

#include <deque>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pipeline/state/key_codec.h"

namespace riskflow::state {
namespace {

using rocksdb::MergeOperator;
using rocksdb::Slice;

bool Full(const Slice* base, const std::vector<std::string>& ops,
          std::string* out) {
  std::vector<Slice> slices(ops.begin(), ops.end());
  Int64AddOperator op;
  Slice existing;
  MergeOperator::MergeOperationInput in(Slice("k"), base, slices, nullptr);
  MergeOperator::MergeOperationOutput mo(*out, existing);
  return op.FullMergeV2(in, &mo);
}

TEST(Int64AddOperatorTest, SumsBaseAndOperands) {
  std::string base = EncodeInt64(10);
  Slice base_slice(base);
  std::string out;
  ASSERT_TRUE(Full(&base_slice, {EncodeInt64(5), EncodeInt64(-3)}, &out));
  int64_t v = 0;
  ASSERT_TRUE(DecodeInt64(out, &v));
  EXPECT_EQ(v, 12);

  ASSERT_TRUE(Full(nullptr, {EncodeInt64(7)}, &out));
  ASSERT_TRUE(DecodeInt64(out, &v));
  EXPECT_EQ(v, 7);
}

TEST(Int64AddOperatorTest, MalformedOperandOrBaseFailsWithoutCrashing) {
  std::string out;
  EXPECT_FALSE(Full(nullptr, {EncodeInt64(1), "bad"}, &out));
  std::string base = "123";
  Slice base_slice(base);
  EXPECT_FALSE(Full(&base_slice, {EncodeInt64(1)}, &out));
}

TEST(Int64AddOperatorTest, PartialMergeCollapsesOperands) {
  Int64AddOperator op;
  std::string a = EncodeInt64(2), b = EncodeInt64(40);
  std::deque<Slice> ops = {Slice(a), Slice(b)};
  std::string out = "untouched";
  ASSERT_TRUE(op.PartialMergeMulti(Slice("k"), ops, &out, nullptr));
  int64_t v = 0;
  ASSERT_TRUE(DecodeInt64(out, &v));
  EXPECT_EQ(v, 42);

  std::string bad = "x";
  std::deque<Slice> bad_ops = {Slice(a), Slice(bad)};
  out = "untouched";
  EXPECT_FALSE(op.PartialMergeMulti(Slice("k"), bad_ops, &out, nullptr));
  EXPECT_EQ(out, "untouched");
}

TEST(Int64AddOperatorTest, Name) {
  EXPECT_STREQ(NewInt64AddOperator()->Name(), "riskflow.Int64Add");
}

}  // namespace
}  // namespace riskflow::state

namespace riskflow::state {
namespace {

TEST(Int64AddOperatorTest, SaturatesInsteadOfWrapping) {
  const int64_t kMax = INT64_MAX;
  std::string out;
  int64_t v = 0;
  // Two INT64_MAX payments once summed to -2.
  ASSERT_TRUE(Full(nullptr, {EncodeInt64(kMax), EncodeInt64(kMax)}, &out));
  ASSERT_TRUE(DecodeInt64(out, &v));
  EXPECT_EQ(v, kMax);
  std::string base = EncodeInt64(kMax / 2 + 1);
  Slice base_slice(base);
  ASSERT_TRUE(Full(&base_slice, {EncodeInt64(kMax / 2 + 1)}, &out));
  ASSERT_TRUE(DecodeInt64(out, &v));
  EXPECT_EQ(v, kMax);
  ASSERT_TRUE(Full(nullptr, {EncodeInt64(INT64_MIN), EncodeInt64(-1)}, &out));
  ASSERT_TRUE(DecodeInt64(out, &v));
  EXPECT_EQ(v, INT64_MIN);

  // Partial merges saturate too, and for same-sign operands the grouping
  // does not matter: ((a+b)+c) == (a+(b+c)) == INT64_MAX.
  Int64AddOperator op;
  std::string a = EncodeInt64(kMax - 5), b = EncodeInt64(3),
              c = EncodeInt64(kMax);
  std::deque<Slice> ab = {Slice(a), Slice(b)};
  std::string partial;
  ASSERT_TRUE(op.PartialMergeMulti(Slice("k"), ab, &partial, nullptr));
  ASSERT_TRUE(Full(nullptr, {partial, c}, &out));
  ASSERT_TRUE(DecodeInt64(out, &v));
  EXPECT_EQ(v, kMax);
}

}  // namespace
}  // namespace riskflow::state
