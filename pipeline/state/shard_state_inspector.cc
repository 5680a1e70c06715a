#include "pipeline/state/shard_state_inspector.h"

#include "pipeline/state/shard_state_entry.h"

namespace riskflow::state {

void ShardStateInspector::ForEach(
    const ShardState& state,
    const std::function<void(const CachedValues&)>& fn) {
  CachedValues v;
  for (const auto& r : state.records_) {
    for (const auto& p : r->entries) {
      const ShardState::Entry& e = *p;
      const ShardState::SpecInfo& info = state.specs_[e.spec];
      v.state_id = info.id;
      v.entity = r->entity;
      v.kind = info.kind;
      v.buckets.clear();
      v.members.clear();
      v.has_last = false;
      v.last_t = 0;
      v.last_value = {};
      if (info.kind == StateKind::kDistinct) {
        for (const auto& m : e.members()) {
          v.members.emplace_back(m.bucket, m.member);
        }
      } else if (info.kind == StateKind::kLastSeen) {
        v.has_last = e.has_last;
        v.last_t = e.last_t;
        v.last_value = e.last_value();
      } else {
        for (const auto& b : e.buckets()) {
          v.buckets.emplace_back(b.bucket, b.value);
        }
      }
      fn(v);
    }
  }
}

std::vector<size_t> ShardStateInspector::Companions(const ShardState& state,
                                                    std::string_view entity) {
  std::vector<size_t> out;
  auto it =
      state.records_.find(absl::string_view(entity.data(), entity.size()));
  if (it == state.records_.end()) return out;
  for (size_t h : (*it)->companions) {
    if (h != 0) out.push_back(h);
  }
  return out;
}

size_t ShardStateInspector::EntityHash(std::string_view entity) {
  return ShardState::RecordHash()(
      absl::string_view(entity.data(), entity.size()));
}

}  // namespace riskflow::state
