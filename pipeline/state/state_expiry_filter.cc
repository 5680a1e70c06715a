#include "pipeline/state/state_expiry_filter.h"

#include <string_view>

#include "pipeline/state/key_codec.h"

namespace riskflow::state {

void StateExpiryRegistry::Register(const StateSpec& spec) {
  ExpiryRule rule{spec.kind, spec.bucket_ms, spec.retention_ms()};
  absl::MutexLock lock(&mu_);
  auto it = rules_->find(spec.id);
  if (it != rules_->end() && it->second.kind == rule.kind &&
      it->second.bucket_ms == rule.bucket_ms) {
    // A hot reload registers the new version's states while shards still
    // decide queued events with the old one: keep the longer retention, so
    // compaction never removes what either version may still read (the
    // visibility rule promises decisions independent of compaction timing).
    if (rule.retention_ms <= it->second.retention_ms) return;
  }
  auto next = std::make_shared<ExpiryRules>(*rules_);
  (*next)[spec.id] = rule;
  rules_ = std::move(next);
}

std::shared_ptr<const ExpiryRules> StateExpiryRegistry::rules() const {
  absl::MutexLock lock(&mu_);
  return rules_;
}

bool IsExpired(int64_t data_ms, int64_t clock_ms, int64_t retention_ms) {
  if (clock_ms == StateExpiryRegistry::kNoClock) return false;
  if (retention_ms == kRetainForever || retention_ms < 0) return false;
  int64_t threshold = 0;
  if (__builtin_sub_overflow(clock_ms, retention_ms, &threshold)) return false;
  // Half-open like every window (docs/windows.md): what is kept is
  // (clock - retention, ...], so data at exactly clock - retention goes.
  return data_ms <= threshold;
}

rocksdb::CompactionFilter::Decision StateExpiryFilter::FilterV2(
    int /*level*/, const rocksdb::Slice& key, ValueType value_type,
    const rocksdb::Slice& existing_value, std::string* /*new_value*/,
    std::string* /*skip_until*/) const {
  if (value_type != ValueType::kValue &&
      value_type != ValueType::kMergeOperand) {
    return Decision::kKeep;
  }
  DecodedStateKey k;
  if (!DecodeStateKey(std::string_view(key.data(), key.size()), &k)) {
    return Decision::kKeep;
  }
  auto it = rules_->find(k.id);
  if (it == rules_->end()) return Decision::kKeep;
  const ExpiryRule& rule = it->second;

  int64_t data_ms = 0;
  if (rule.kind == StateKind::kLastSeen) {
    std::string_view ignored;
    if (value_type != ValueType::kValue ||
        !DecodeLastSeenValue(
            std::string_view(existing_value.data(), existing_value.size()),
            &data_ms, &ignored)) {
      return Decision::kKeep;
    }
  } else {
    int64_t bucket = 0;
    std::string_view member;
    if (rule.bucket_ms <= 0 || !DecodeBucketSuffix(k.rest, &bucket, &member)) {
      return Decision::kKeep;
    }
    // Newest time the bucket can hold: (bucket + 1) * bucket_ms - 1.
    int64_t end = 0;
    if (__builtin_add_overflow(bucket, 1, &end) ||
        __builtin_mul_overflow(end, rule.bucket_ms, &end)) {
      return Decision::kKeep;
    }
    data_ms = end - 1;
  }
  return IsExpired(data_ms, clock_ms_, rule.retention_ms) ? Decision::kRemove
                                                          : Decision::kKeep;
}

std::unique_ptr<rocksdb::CompactionFilter>
StateExpiryFilterFactory::CreateCompactionFilter(
    const rocksdb::CompactionFilter::Context& /*context*/) {
  return std::make_unique<StateExpiryFilter>(registry_->clock(),
                                             registry_->rules());
}

}  // namespace riskflow::state
