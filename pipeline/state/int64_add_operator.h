#ifndef RISKFLOW_PIPELINE_STATE_INT64_ADD_OPERATOR_H_
#define RISKFLOW_PIPELINE_STATE_INT64_ADD_OPERATOR_H_

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "rocksdb/merge_operator.h"

namespace riskflow::state {

// Counters and sums on the state column family: the base value and every
// operand are 8-byte little-endian int64 and the result is their sum,
// saturating at INT64_MAX / INT64_MIN instead of wrapping, exactly like the
// in-memory cache (sdk::SaturatingAdd). Writers issue Merge
// with a delta, so an event never costs a read-modify-write.
//
// A malformed operand or base fails the merge (RocksDB then reports
// Corruption to the reader) and is logged to the DB's info log; it never
// crashes the process.
class Int64AddOperator : public rocksdb::MergeOperator {
 public:
  static constexpr const char* kName = "riskflow.Int64Add";

  const char* Name() const override { return kName; }

  bool FullMergeV2(const MergeOperationInput& in,
                   MergeOperationOutput* out) const override;

  bool PartialMergeMulti(const rocksdb::Slice& key,
                         const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value,
                         rocksdb::Logger* logger) const override;

  // A single operand is already a valid sum; letting RocksDB collapse it
  // keeps compaction from carrying operand chains around.
  bool AllowSingleOperand() const override { return true; }
};

std::shared_ptr<rocksdb::MergeOperator> NewInt64AddOperator();

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_INT64_ADD_OPERATOR_H_
