#include "pipeline/log/id_index.h"

#include <xxhash.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pipeline/log/log_keys.h"
#include "pipeline/storage/key_encoding.h"
#include "rocksdb/write_batch.h"

namespace riskflow::log {

using storage::DecodeSequenceKey;
using storage::SequenceKey;

namespace {

// Typical ids (a channel name and a UUID) fit, so fingerprinting needs no
// heap allocation; longer ones fall back to IdempotencyKey's string.
constexpr size_t kStackKeyBytes = 256;

void PutBigEndian64(uint64_t v, char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

// FingerprintKey without the heap: 16 bytes do not fit std::string's
// inline buffer, and spills and store probes encode millions of keys.
void EncodeFingerprint(const IdFingerprint& fp, char out[16]) {
  PutBigEndian64(fp.high, out);
  PutBigEndian64(fp.low, out + 8);
}

}  // namespace

IdFingerprint FingerprintId(std::string_view channel,
                            std::string_view event_id) {
  XXH128_hash_t h;
  const size_t n = 4 + channel.size() + event_id.size();
  if (n <= kStackKeyBytes) {
    // The same bytes IdempotencyKey builds: 4-byte big-endian channel
    // length, channel, event_id.
    char buf[kStackKeyBytes];
    const uint32_t len = static_cast<uint32_t>(channel.size());
    buf[0] = static_cast<char>(len >> 24);
    buf[1] = static_cast<char>(len >> 16);
    buf[2] = static_cast<char>(len >> 8);
    buf[3] = static_cast<char>(len);
    std::copy(channel.begin(), channel.end(), buf + 4);
    std::copy(event_id.begin(), event_id.end(), buf + 4 + channel.size());
    h = XXH3_128bits(buf, n);
  } else {
    const std::string key = IdempotencyKey(channel, event_id);
    h = XXH3_128bits(key.data(), key.size());
  }
  return IdFingerprint{h.high64, h.low64};
}

std::string FingerprintKey(const IdFingerprint& fp) {
  char key[16];
  EncodeFingerprint(fp, key);
  return std::string(key, sizeof(key));
}

MemoryIdIndex::MemoryIdIndex(storage::Store* store, size_t max_memory_entries,
                             bool sync)
    : store_(store),
      max_entries_(std::max<size_t>(1, max_memory_entries)),
      sync_(sync) {}

absl::StatusOr<std::optional<uint64_t>> MemoryIdIndex::Lookup(
    const IdFingerprint& fp) {
  if (auto it = map_.find(fp); it != map_.end()) return it->second;
  // Before the first spill the map is the whole index.
  if (spills_ == 0) return std::nullopt;
  char key[16];
  EncodeFingerprint(fp, key);
  std::string value;
  absl::StatusOr<bool> found = store_->Get(
      storage::Cf::kIdem, std::string_view(key, sizeof(key)), &value);
  if (!found.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "cannot look up a spilled idempotency entry in the log store: ",
        found.status().message()));
  }
  uint64_t seq = 0;
  if (!*found) return std::nullopt;
  if (!DecodeSequenceKey(value, &seq)) {
    return absl::DataLossError(
        "a spilled idempotency entry in the log store is not an 8-byte "
        "sequence");
  }
  return seq;
}

absl::StatusOr<std::optional<uint64_t>> MemoryIdIndex::Lookup(
    std::string_view channel, std::string_view event_id) {
  return Lookup(FingerprintId(channel, event_id));
}

absl::Status MemoryIdIndex::Insert(const IdFingerprint& fp,
                                   uint64_t sequence) {
  absl::Status status;
  // Only when the map reaches its budget: after a failed spill the map
  // stays over budget, and the caller retries with Spill() rather than
  // every insert re-trying a write that just failed.
  if (map_.size() == max_entries_) status = Spill();
  map_.emplace(fp, sequence);
  return status;
}

absl::Status MemoryIdIndex::Insert(std::string_view channel,
                                   std::string_view event_id,
                                   uint64_t sequence) {
  return Insert(FingerprintId(channel, event_id), sequence);
}

absl::Status MemoryIdIndex::Spill() {
  if (map_.empty()) return absl::OkStatus();
  std::vector<std::pair<IdFingerprint, uint64_t>> entries(map_.begin(),
                                                          map_.end());
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  rocksdb::ColumnFamilyHandle* cf = store_->handle(storage::Cf::kIdem);
  for (size_t begin = 0; begin < entries.size(); begin += kSpillChunk) {
    const size_t end = std::min(entries.size(), begin + kSpillChunk);
    rocksdb::WriteBatch batch;
    for (size_t i = begin; i < end; ++i) {
      char key[16];
      EncodeFingerprint(entries[i].first, key);
      rocksdb::Status s = batch.Put(cf, rocksdb::Slice(key, sizeof(key)),
                                    SequenceKey(entries[i].second));
      if (!s.ok()) {
        return absl::InternalError(absl::StrCat(
            "cannot build the idempotency spill batch: ", s.ToString()));
      }
    }
    if (absl::Status s = store_->Write(&batch, sync_); !s.ok()) {
      // The map is untouched, so nothing is lost; what was written already
      // holds the same sequences.
      return absl::UnavailableError(absl::StrCat(
          "spilling ", entries.size(),
          " idempotency entries to the log store failed (the index keeps "
          "them in memory, over its budget of ",
          max_entries_, "): ", s.message()));
    }
  }
  spilled_entries_ += entries.size();
  ++spills_;
  map_.clear();
  // clear() frees a large table; the budget has been reached once, so
  // allocate it at full size now rather than regrow it step by step.
  map_.reserve(max_entries_);
  return absl::OkStatus();
}

size_t MemoryIdIndex::memory_bytes() const {
  return map_.capacity() * (sizeof(Map::value_type) + 1);
}

}  // namespace riskflow::log
