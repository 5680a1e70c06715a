#include "pipeline/state/state_store.h"

#include <utility>

#include "pipeline/state/entity_prefix.h"
#include "pipeline/state/int64_add_operator.h"
#include "pipeline/state/state_expiry_filter.h"
#include "rocksdb/filter_policy.h"

namespace riskflow::state {
namespace {

// The state CF's options; owns the expiry registry its filter factory
// reads, so SetExpiryClock / RegisterState reach it through the store.
class StateCfTuner : public storage::CfTuner {
 public:
  void Tune(rocksdb::ColumnFamilyOptions* o,
            rocksdb::BlockBasedTableOptions* t) override {
    // Whole-key bloom serves last-seen Gets. Windowed reads are prefix
    // range scans that a whole-key filter cannot help; a prefix extractor
    // on id|entity would, at the cost of prefix-mode iterator rules.
    t->filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    // Prefix blooms (SST and memtable) per (state, entity): a cache miss
    // for an entity without state skips the data blocks.
    o->prefix_extractor.reset(NewEntityPrefixExtractor());
    o->memtable_prefix_bloom_size_ratio = 0.05;
    o->merge_operator = NewInt64AddOperator();
    o->compaction_filter_factory =
        std::make_shared<StateExpiryFilterFactory>(registry_);
  }

  StateExpiryRegistry* registry() const { return registry_.get(); }

 private:
  const std::shared_ptr<StateExpiryRegistry> registry_ =
      std::make_shared<StateExpiryRegistry>();
};

StateExpiryRegistry* RegistryOf(storage::Store* store) {
  auto* tuner = dynamic_cast<StateCfTuner*>(store->tuner(storage::Cf::kState));
  return tuner == nullptr ? nullptr : tuner->registry();
}

}  // namespace

storage::StoreOptions StateStoreOptions(storage::StoreOptions opts) {
  opts.set_tuner(storage::Cf::kState, std::make_shared<StateCfTuner>());
  return opts;
}

absl::StatusOr<std::unique_ptr<storage::Store>> OpenStateStore(
    const std::string& dir, const storage::StoreOptions& opts) {
  return storage::Store::Open(dir, StateStoreOptions(opts));
}

void SetExpiryClock(storage::Store* store, int64_t event_time_ms) {
  if (StateExpiryRegistry* r = RegistryOf(store)) r->SetClock(event_time_ms);
}

void RegisterState(storage::Store* store, const StateSpec& spec) {
  if (StateExpiryRegistry* r = RegistryOf(store)) r->Register(spec);
}

}  // namespace riskflow::state
