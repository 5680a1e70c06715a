#include "pipeline/engine/shard_layouts.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "pipeline/storage/key_encoding.h"
#include "plugins/sdk/deterministic_random.h"
#include "rocksdb/write_batch.h"

namespace riskflow::engine {

using storage::Cf;

namespace {

// The layout of the last finished recovery. Kept for stores written before
// engine/layouts existed (and read as their only layout).
constexpr char kMetaShardCount[] = "engine/shards";
constexpr char kMetaLayouts[] = "engine/layouts";
constexpr char kMetaFloor[] = "engine/floor";
// ShardOf allows at most this many (pipeline config: at most 256).
constexpr uint32_t kMaxShards = 1 << 16;

absl::Status ParseCount(absl::string_view text, uint32_t* out) {
  if (!absl::SimpleAtoi(text, out) || *out == 0 || *out > kMaxShards) {
    return absl::DataLossError(absl::StrCat(
        "engine meta: shard count '", text, "' is not a number in 1..",
        kMaxShards));
  }
  return absl::OkStatus();
}

}  // namespace

std::string ShardLayouts::OffsetKey(uint32_t shard_count, uint32_t index) {
  return absl::StrCat("engine/offset/", shard_count, "/", index);
}

absl::StatusOr<ShardLayouts> ShardLayouts::Load(storage::Store* store,
                                                uint64_t fresh_start_after) {
  ShardLayouts out;
  std::string value;
  absl::StatusOr<bool> layouts = store->Get(Cf::kMeta, kMetaLayouts, &value);
  if (!layouts.ok()) return layouts.status();
  // Offsets a layout never committed: the floor (new format), or, for a
  // store from before engine/layouts, what that version assumed.
  uint64_t missing = fresh_start_after;
  if (*layouts) {
    for (absl::string_view part : absl::StrSplit(value, ',')) {
      uint32_t n = 0;
      if (auto s = ParseCount(part, &n); !s.ok()) return s;
      if (std::find(out.order_.begin(), out.order_.end(), n) ==
          out.order_.end()) {
        out.order_.push_back(n);
      }
    }
    absl::StatusOr<bool> floor = store->Get(Cf::kMeta, kMetaFloor, &value);
    if (!floor.ok()) return floor.status();
    if (*floor && !storage::DecodeSequenceKey(value, &out.floor_)) {
      return absl::DataLossError("engine meta: engine/floor is not a sequence");
    }
    missing = out.floor_;
  } else {
    absl::StatusOr<bool> legacy =
        store->Get(Cf::kMeta, kMetaShardCount, &value);
    if (!legacy.ok()) return legacy.status();
    if (*legacy) {
      uint32_t n = 0;
      if (auto s = ParseCount(value, &n); !s.ok()) return s;
      out.order_.push_back(n);
      out.floor_ = 0;
    } else {
      out.floor_ = fresh_start_after;
    }
  }
  for (uint32_t n : out.order_) {
    std::vector<uint64_t>& offsets = out.offsets_[n];
    offsets.assign(n, missing);
    for (uint32_t k = 0; k < n; ++k) {
      absl::StatusOr<bool> has = store->Get(Cf::kMeta, OffsetKey(n, k), &value);
      if (!has.ok()) return has.status();
      if (*has && !storage::DecodeSequenceKey(value, &offsets[k])) {
        return absl::DataLossError(
            absl::StrCat("engine meta: ", OffsetKey(n, k),
                         " is not a sequence"));
      }
      // Everything up to the floor is decided, whatever an offset says
      // (Collapse raises the floor without rewriting the running shards'
      // offsets).
      offsets[k] = std::max(offsets[k], out.floor_);
    }
  }
  return out;
}

absl::Status ShardLayouts::Register(storage::Store* store,
                                    uint32_t shard_count) {
  if (offsets_.count(shard_count) > 0) return absl::OkStatus();
  rocksdb::WriteBatch batch;
  rocksdb::ColumnFamilyHandle* meta = store->handle(Cf::kMeta);
  for (uint32_t k = 0; k < shard_count; ++k) {
    batch.Put(meta, OffsetKey(shard_count, k), storage::SequenceKey(floor_));
  }
  std::vector<uint32_t> order = order_;
  order.push_back(shard_count);
  batch.Put(meta, kMetaLayouts, absl::StrJoin(order, ","));
  batch.Put(meta, kMetaFloor, storage::SequenceKey(floor_));
  if (auto s = store->Write(&batch, /*sync=*/true); !s.ok()) return s;
  order_ = std::move(order);
  offsets_[shard_count].assign(shard_count, floor_);
  return absl::OkStatus();
}

bool ShardLayouts::Decided(uint64_t sequence,
                           std::string_view account_id) const {
  if (sequence <= floor_) return true;
  // The same hash as ShardOf (partition.h), computed once for every layout.
  const uint64_t hash = sdk::Fnv1a64(account_id);
  for (const auto& [n, offsets] : offsets_) {
    if (sequence <= offsets[hash % n]) return true;
  }
  return false;
}

uint64_t ShardLayouts::ScanFrom() const {
  // Every event at or below one layout's smallest offset is decided (each
  // of that layout's shards is past it), so the scan starts at the largest
  // such bound — near the log's end after a kill, not at the floor, which
  // may lie far back when the daemon ran long since its last start.
  uint64_t from = floor_;
  for (const auto& [n, offsets] : offsets_) {
    from = std::max(from, *std::min_element(offsets.begin(), offsets.end()));
  }
  return from;
}

const std::vector<uint64_t>& ShardLayouts::Offsets(
    uint32_t shard_count) const {
  return offsets_.at(shard_count);
}

absl::Status ShardLayouts::Collapse(storage::Store* store, uint32_t shard_count,
                                    uint64_t last) {
  rocksdb::WriteBatch batch;
  rocksdb::ColumnFamilyHandle* meta = store->handle(Cf::kMeta);
  for (const auto& [n, offsets] : offsets_) {
    if (n == shard_count) continue;
    for (uint32_t k = 0; k < n; ++k) batch.Delete(meta, OffsetKey(n, k));
  }
  // Never below what is recorded: a floor only rises. The offsets of
  // `shard_count` are the shards' own (each checkpointed at or beyond
  // `last` before this is called, and may be checkpointing on meanwhile):
  // writing them here could move one back below its state.
  const uint64_t floor = std::max(floor_, last);
  batch.Put(meta, kMetaFloor, storage::SequenceKey(floor));
  batch.Put(meta, kMetaLayouts, absl::StrCat(shard_count));
  batch.Put(meta, kMetaShardCount, absl::StrCat(shard_count));
  if (auto s = store->Write(&batch, /*sync=*/true); !s.ok()) return s;
  floor_ = floor;
  order_ = {shard_count};
  offsets_.clear();
  offsets_[shard_count].assign(shard_count, floor);
  return absl::OkStatus();
}

std::string ShardLayouts::Describe() const {
  return order_.empty() ? "none" : absl::StrJoin(order_, ",");
}

}  // namespace riskflow::engine
