#include "pipeline/plugin_host/entity_hints.h"

#include "pipeline/plugin_host/plugin_output.h"
#include "pipeline/state/shard_state.h"

namespace riskflow::plugin_host {

void EventHints::Clear(std::string_view account) {
  account_ = account;
  bytes_.clear();
  hints_.clear();
  call_start_ = 0;
  call_hints_ = 0;
}

void EventHints::DropCall() {
  if (hints_.size() > call_start_) {
    bytes_.resize(hints_[call_start_].offset);
    hints_.resize(call_start_);
  }
  call_hints_ = 0;
}

void EventHints::Add(std::string_view entity) {
  // Every hint counts against the call's bound, kept or not: a plugin
  // cannot make the host hash and compare without limit.
  if (++call_hints_ > kMaxPerCall || entity.size() > kMaxStateKeyBytes) {
    ++ignored_;
    return;
  }
  if (entity.empty() || entity == account_) return;
  if (hints_.size() == kMaxPerEvent) {
    ++ignored_;
    return;
  }
  const size_t hash = state::ShardState::EntityHash(entity);
  for (const Hint& h : hints_) {
    if (h.hash == hash && this->entity(&h - hints_.data()) == entity) return;
  }
  hints_.push_back(Hint{static_cast<uint32_t>(bytes_.size()),
                        static_cast<uint32_t>(entity.size()), hash});
  bytes_.append(entity);
}

void EventHints::HintEntity(rf_hint_sink* sink, rf_str entity) {
  // Only ever called with a sink the host handed out, during the call.
  if (sink == nullptr || (entity.ptr == nullptr && entity.len != 0)) return;
  reinterpret_cast<EventHints*>(sink)->Add(
      entity.ptr == nullptr ? std::string_view()
                            : std::string_view(entity.ptr, entity.len));
}

}  // namespace riskflow::plugin_host
