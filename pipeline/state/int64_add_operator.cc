#include "pipeline/state/int64_add_operator.h"

#include <cstdint>

#include "pipeline/state/key_codec.h"
#include "plugins/sdk/window_math.h"
#include "rocksdb/env.h"

namespace riskflow::state {
namespace {

bool AddOperand(const rocksdb::Slice& key, const rocksdb::Slice& operand,
                const char* role, rocksdb::Logger* logger, int64_t* sum) {
  int64_t v = 0;
  if (!DecodeInt64(std::string_view(operand.data(), operand.size()), &v)) {
    if (logger != nullptr) {
      rocksdb::Log(rocksdb::InfoLogLevel::ERROR_LEVEL, logger,
                   "%s: malformed %s of %zu bytes (want 8) for key %s",
                   Int64AddOperator::kName, role, operand.size(),
                   key.ToString(/*hex=*/true).c_str());
    }
    return false;
  }
  *sum = sdk::SaturatingAdd(*sum, v);
  return true;
}

}  // namespace

bool Int64AddOperator::FullMergeV2(const MergeOperationInput& in,
                                   MergeOperationOutput* out) const {
  int64_t sum = 0;
  if (in.existing_value != nullptr &&
      !AddOperand(in.key, *in.existing_value, "base value", in.logger, &sum)) {
    return false;
  }
  for (const rocksdb::Slice& op : in.operand_list) {
    if (!AddOperand(in.key, op, "operand", in.logger, &sum)) return false;
  }
  out->new_value.clear();
  AppendInt64(sum, &out->new_value);
  return true;
}

bool Int64AddOperator::PartialMergeMulti(
    const rocksdb::Slice& key, const std::deque<rocksdb::Slice>& operands,
    std::string* new_value, rocksdb::Logger* logger) const {
  int64_t sum = 0;
  for (const rocksdb::Slice& op : operands) {
    // Returning false keeps the operands as they are; the full merge at read
    // time reports the bad one.
    if (!AddOperand(key, op, "operand", logger, &sum)) return false;
  }
  new_value->clear();
  AppendInt64(sum, new_value);
  return true;
}

std::shared_ptr<rocksdb::MergeOperator> NewInt64AddOperator() {
  return std::make_shared<Int64AddOperator>();
}

}  // namespace riskflow::state
