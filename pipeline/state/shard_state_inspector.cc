#include "pipeline/state/shard_state_inspector.h"

#include "pipeline/state/key_codec.h"
#include "pipeline/state/shard_state_entry.h"

namespace riskflow::state {

void ShardStateInspector::ForEach(
    const ShardState& state,
    const std::function<void(const CachedValues&)>& fn) {
  CachedValues v;
  for (const auto& [key, e] : state.entries_) {
    DecodedStateKey decoded;
    if (!DecodeStateKey(e->prefix, &decoded)) continue;
    v.state_id = decoded.id;
    v.entity = decoded.entity;
    v.kind = e->kind;
    v.buckets.clear();
    v.members.clear();
    for (const auto& b : e->buckets) v.buckets.emplace_back(b.bucket, b.value);
    for (const auto& m : e->members) v.members.emplace_back(m.bucket, m.member);
    v.has_last = e->has_last;
    v.last_t = e->last_t;
    v.last_value = e->last_value;
    fn(v);
  }
}

}  // namespace riskflow::state
