// The entities a shard's detectors hint for one event (ABI 1.3
// entity_hints; docs/plugin-guide.md "Entity hints", docs/state-memory.md
// "Entity hints"): validated, bounded, deduplicated and hashed once, for
// the shard's prefetch stages. Untrusted cache hints only: nothing here
// reads or changes state.
#ifndef RISKFLOW_PIPELINE_PLUGIN_HOST_ENTITY_HINTS_H_
#define RISKFLOW_PIPELINE_PLUGIN_HOST_ENTITY_HINTS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/sdk/riskflow_plugin.h"

namespace riskflow::plugin_host {

class EventHints {
 public:
  // Hints kept per detector call and per event; more are ignored (and
  // counted). An event with all 13 built-in detectors hints at most ~5
  // distinct derived entities.
  static constexpr size_t kMaxPerCall = 4;
  static constexpr size_t kMaxPerEvent = 16;

  // Starts an event's hints (keeps the memory). Entities equal to
  // `account` are not kept: the shard prefetches the account anyway.
  void Clear(std::string_view account);
  // Around one detector's callback: hints of a call that failed (non-OK,
  // or threw) are dropped.
  void BeginCall() {
    call_start_ = hints_.size();
    call_hints_ = 0;
  }
  void DropCall();

  // What hint_entity does with one entity: ignores an empty one, one over
  // the state calls' key limit, one beyond the call's or the event's
  // bound (those count in ignored()), the account and repeats; keeps the
  // rest with ShardState::EntityHash.
  void Add(std::string_view entity);

  size_t size() const { return hints_.size(); }
  std::string_view entity(size_t i) const {
    return std::string_view(bytes_.data() + hints_[i].offset, hints_[i].len);
  }
  size_t hash(size_t i) const { return hints_[i].hash; }
  // Hints ignored for a bound or the key limit since construction.
  uint64_t ignored() const { return ignored_; }

  // The sink handed to entity_hints for this object, and the host's
  // hint_entity callback (HostApi()).
  rf_hint_sink* sink() { return reinterpret_cast<rf_hint_sink*>(this); }
  static void HintEntity(rf_hint_sink* sink, rf_str entity);

 private:
  struct Hint {
    uint32_t offset;
    uint32_t len;
    size_t hash;
  };
  std::string_view account_;
  std::string bytes_;
  std::vector<Hint> hints_;
  size_t call_start_ = 0;
  size_t call_hints_ = 0;
  uint64_t ignored_ = 0;
};

}  // namespace riskflow::plugin_host

#endif  // RISKFLOW_PIPELINE_PLUGIN_HOST_ENTITY_HINTS_H_
