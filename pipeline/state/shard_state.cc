#include "pipeline/state/shard_state.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "pipeline/state/key_codec.h"
#include "pipeline/state/shard_state_entry.h"
#include "plugins/sdk/window_math.h"

namespace riskflow::state {
namespace {

using shard_state_internal::kMax;
using shard_state_internal::kMin;
using shard_state_internal::SatSub;

// Counters and sums saturate exactly like the merge operator does, so a
// bucket's cached value always equals what the store will compute.
using sdk::SaturatingAdd;

const char* KindName(StateKind k) {
  switch (k) {
    case StateKind::kCounter:
      return "counter";
    case StateKind::kSum:
      return "sum";
    case StateKind::kDistinct:
      return "distinct";
    case StateKind::kLastSeen:
      return "last-seen";
  }
  return "unknown";
}

absl::Status CheckKind(const StateSpec& s, bool ok, const char* op) {
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      op, " on ", KindName(s.kind), " state ", s.detector, "/", s.name));
}

// Guards the divisions below against an unvalidated spec.
absl::Status CheckWindowed(const StateSpec& s) {
  if (s.bucket_ms > 0 && s.window_ms > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("state ", s.detector, "/", s.name,
                   ": window_ms and bucket_ms must be > 0"));
}

absl::Status CheckQueryWindow(const StateSpec& s, int64_t window_ms) {
  if (window_ms > 0 && window_ms <= s.window_ms) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("state ", s.detector, "/", s.name, ": query window ",
                   window_ms, " ms outside (0, ", s.window_ms, "] ms"));
}

}  // namespace

ShardState::ShardState(storage::Store* store, size_t max_cached_entities,
                       int64_t allowed_lateness_ms)
    : store_(store),
      max_entities_(max_cached_entities),
      lateness_ms_(std::max<int64_t>(0, allowed_lateness_ms)),
      watermark_(kMin) {
  static_assert(sizeof(Entry) == 64, "keep an entry in the 64-byte class");
}

ShardState::~ShardState() = default;

void ShardState::SetWatermark(int64_t watermark_ms) {
  watermark_ = std::max(watermark_, watermark_ms);
}

int64_t ShardState::VisibleFromAt(int64_t watermark, int64_t retention_ms,
                                  int64_t bucket_ms) {
  if (watermark == kMin || retention_ms == kRetainForever) return kMin;
  // The bucket holding (watermark - retention + 1) is the oldest whose end
  // the expiry filter still keeps (IsExpired compares a bucket's end, and
  // keeps the half-open window (clock - retention, ...]); the plugin SDK's
  // fake host applies the same function.
  return sdk::HorizonBucket(watermark, retention_ms, bucket_ms);
}

int64_t ShardState::QueryFrom(const StateSpec& s, int64_t t,
                              int64_t window_ms) const {
  return std::max(BucketOf(SatSub(t, window_ms - 1), s.bucket_ms),
                  VisibleFrom(s.retention_ms(), s.bucket_ms));
}

uint32_t ShardState::InternSpec(const StateSpec& s) {
  auto [it, fresh] = spec_index_.try_emplace(
      std::make_tuple(s.id, static_cast<int>(s.kind), s.bucket_ms),
      static_cast<uint32_t>(specs_.size()));
  if (fresh) {
    SpecInfo info;
    info.id = s.id;
    info.kind = s.kind;
    info.bucket_ms = s.bucket_ms;
    specs_.push_back(info);
  }
  // A hot reload may change the window (same bucket size): the horizon and
  // the trim cutoff must follow the version now deciding.
  SpecInfo& info = specs_[it->second];
  info.window_ms = s.window_ms;
  info.retention_ms = s.retention_ms();
  return it->second;
}

ShardState::Record* ShardState::FindRecord(std::string_view entity) {
  if (last_record_ != nullptr && last_record_->entity == entity) {
    return last_record_;
  }
  const absl::string_view key(entity.data(), entity.size());
  const size_t hash = RecordHash()(key);
  auto it = records_.find(key, hash);
  if (it == records_.end()) return nullptr;
  last_record_ = it->get();
  // A candidate companion of the event's partition entity (EndEvent).
  if (found_count_ < static_cast<int>(std::size(found_hashes_))) {
    found_hashes_[found_count_++] = hash;
  }
  // The event's detectors go on to use most of this entity's states, one
  // call after another. Each entry is its own 64-byte allocation, so in a
  // record that is not in the CPU cache each of those look-ups would wait
  // for memory in turn; asking for all of them now overlaps the waits.
  for (const std::unique_ptr<Entry>& e : last_record_->entries) {
    __builtin_prefetch(e.get());
  }
  return last_record_;
}

absl::StatusOr<ShardState::Entry*> ShardState::FindEntry(Record* r,
                                                         const StateSpec& s) {
  if (r == nullptr) return nullptr;
  for (const std::unique_ptr<Entry>& e : r->entries) {
    const SpecInfo& info = specs_[e->spec];
    if (info.id != s.id) continue;
    if (info.kind != s.kind || info.bucket_ms != s.bucket_ms) {
      return absl::FailedPreconditionError(
          absl::StrCat("state ", s.detector, "/", s.name,
                       " used with a different kind or bucket size"));
    }
    return e.get();
  }
  return nullptr;
}

ShardState::Entry* ShardState::AddEntry(std::string_view entity, Record* r,
                                        Entry&& fresh, Record** record) {
  if (r == nullptr) {
    auto created = std::make_unique<Record>();
    created->entity.assign(entity.data(), entity.size());
    r = created.get();
    records_.insert(std::move(created));
  }
  r->last_used = ++tick_;
  // Exactly sized: an entity has few states and gains them rarely, and
  // doubling would leave up to half of the pointer block unused.
  r->entries.reserve(r->entries.size() + 1);
  r->entries.push_back(std::make_unique<Entry>(std::move(fresh)));
  ++entries_;
  MarkTouched(r);
  *record = r;
  return r->entries.back().get();
}

absl::StatusOr<ShardState::Entry*> ShardState::GetEntry(const StateSpec& s,
                                                        std::string_view entity,
                                                        int64_t t,
                                                        int64_t need_bucket,
                                                        Record** record) {
  Record* r = FindRecord(entity);
  absl::StatusOr<Entry*> found = FindEntry(r, s);
  if (!found.ok()) return found.status();
  if (Entry* e = *found; e != nullptr) {
    ++stats_.hits;
    r->last_used = ++tick_;
    *record = r;
    // A hot reload may change the window (same bucket size): the horizon
    // and the trim cutoff must follow the version now deciding.
    SpecInfo& info = specs_[e->spec];
    info.window_ms = s.window_ms;
    info.retention_ms = s.retention_ms();
    if (need_bucket >= e->loaded_from) return e;
    // Older than anything cached: complete the range from the DB first.
    if (absl::Status st = LoadBuckets(entity, e, need_bucket); !st.ok()) {
      return st;
    }
    MarkTouched(r);
    return e;
  }

  ++stats_.misses;
  Entry fresh;
  fresh.spec = InternSpec(s);
  if (s.kind == StateKind::kDistinct) fresh.data = Entry::Members();
  // Load what a query up to `lateness` behind t can need, in one scan.
  // Using the window (not max(window, ttl)) is enough: queries are refused
  // beyond the window, and ttl only governs how long the DB keeps data.
  // Nothing behind the visibility horizon: no event can see it.
  int64_t lo = std::min(
      need_bucket,
      std::max(BucketOf(SatSub(SatSub(t, s.window_ms), lateness_ms_),
                        s.bucket_ms),
               VisibleFrom(s.retention_ms(), s.bucket_ms)));
  if (absl::Status st = LoadBuckets(entity, &fresh, lo); !st.ok()) return st;
  return AddEntry(entity, r, std::move(fresh), record);
}

absl::StatusOr<ShardState::Entry*> ShardState::GetLastEntry(
    const StateSpec& s, std::string_view entity, bool load, Record** record) {
  Record* r = FindRecord(entity);
  absl::StatusOr<Entry*> found = FindEntry(r, s);
  if (!found.ok()) return found.status();
  if (Entry* e = *found; e != nullptr) {
    ++stats_.hits;
    r->last_used = ++tick_;
    *record = r;
    return e;
  }
  ++stats_.misses;
  Entry fresh;
  fresh.spec = InternSpec(s);
  fresh.data = std::string();
  if (load && MaybeStored(s.id, entity)) {
    key_buf_.clear();
    AppendEntityPrefix(s.id, entity, &key_buf_);
    absl::StatusOr<bool> got =
        store_->Get(storage::Cf::kState, key_buf_, &value_buf_);
    if (!got.ok()) return got.status();
    if (*got) {
      std::string_view v;
      if (!DecodeLastSeenValue(value_buf_, &fresh.last_t, &v)) {
        return absl::DataLossError(absl::StrCat(
            "state ", s.detector, "/", s.name, ": malformed last-seen value"));
      }
      fresh.has_last = true;
      fresh.last_value().assign(v.data(), v.size());
    }
  }
  return AddEntry(entity, r, std::move(fresh), record);
}

void ShardState::MarkTouched(Record* r) {
  if (!r->touched) {
    r->touched = true;
    touched_.push_back(r);
  }
}

void ShardState::MarkWritten(Record* r, Entry* e) {
  if (!e->dirty) {
    e->dirty = true;
    ++dirty_entries_;
  }
  if (!r->dirty) {
    r->dirty = true;
    r->epoch = epoch_;
    dirty_.push_back(r);
  }
  MarkTouched(r);
}

absl::Status ShardState::WindowAdd(const StateSpec& s, std::string_view entity,
                                   int64_t t, int64_t value) {
  if (auto st = CheckKind(
          s, s.kind == StateKind::kCounter || s.kind == StateKind::kSum,
          "WindowAdd");
      !st.ok()) {
    return st;
  }
  if (auto st = CheckWindowed(s); !st.ok()) return st;
  const int64_t b = BucketOf(t, s.bucket_ms);
  // No event can ever see this bucket (see "Visibility").
  if (b < VisibleFrom(s.retention_ms(), s.bucket_ms)) return absl::OkStatus();
  Record* r = nullptr;
  absl::StatusOr<Entry*> got = GetEntry(s, entity, t, b, &r);
  if (!got.ok()) return got.status();
  Entry* e = *got;
  BeforeChange(r);
  auto& v = e->buckets();
  if (v.empty() || v.back().bucket < b) {
    v.push_back({b, value, value});
  } else if (v.back().bucket == b) {
    v.back().value = SaturatingAdd(v.back().value, value);
    v.back().pending = SaturatingAdd(v.back().pending, value);
  } else {
    auto pos = std::lower_bound(
        v.begin(), v.end(), b,
        [](const Entry::Bucket& x, int64_t key) { return x.bucket < key; });
    if (pos != v.end() && pos->bucket == b) {
      pos->value = SaturatingAdd(pos->value, value);
      pos->pending = SaturatingAdd(pos->pending, value);
    } else {
      v.insert(pos, {b, value, value});
    }
  }
  e->newest_t = std::max(e->newest_t, t);
  MarkWritten(r, e);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ShardState::WindowTotal(const StateSpec& s,
                                                std::string_view entity,
                                                int64_t t, int64_t window_ms) {
  if (auto st = CheckKind(
          s, s.kind == StateKind::kCounter || s.kind == StateKind::kSum,
          "WindowTotal");
      !st.ok()) {
    return st;
  }
  if (auto st = CheckWindowed(s); !st.ok()) return st;
  if (auto st = CheckQueryWindow(s, window_ms); !st.ok()) return st;
  const int64_t hi = BucketOf(t, s.bucket_ms);
  const int64_t lo = QueryFrom(s, t, window_ms);
  if (lo > hi) return 0;
  Record* r = nullptr;
  absl::StatusOr<Entry*> got = GetEntry(s, entity, t, lo, &r);
  if (!got.ok()) return got.status();
  int64_t total = 0;
  // Newest first: a query at the entity's current time stops after the
  // window's buckets.
  const auto& v = (*got)->buckets();
  for (auto it = v.rbegin(); it != v.rend() && it->bucket >= lo; ++it) {
    if (it->bucket <= hi) total = SaturatingAdd(total, it->value);
  }
  return total;
}

absl::Status ShardState::DistinctAdd(const StateSpec& s,
                                     std::string_view entity, int64_t t,
                                     std::string_view member) {
  if (auto st = CheckKind(s, s.kind == StateKind::kDistinct, "DistinctAdd");
      !st.ok()) {
    return st;
  }
  if (auto st = CheckWindowed(s); !st.ok()) return st;
  const int64_t b = BucketOf(t, s.bucket_ms);
  // No event can ever see this bucket (see "Visibility").
  if (b < VisibleFrom(s.retention_ms(), s.bucket_ms)) return absl::OkStatus();
  Record* r = nullptr;
  absl::StatusOr<Entry*> got = GetEntry(s, entity, t, b, &r);
  if (!got.ok()) return got.status();
  Entry* e = *got;
  auto& v = e->members();
  auto pos = std::lower_bound(
      v.begin(), v.end(), std::pair<int64_t, std::string_view>(b, member),
      [](const Entry::Member& x,
         const std::pair<int64_t, std::string_view>& k) {
        return x.bucket != k.first ? x.bucket < k.first
                                   : std::string_view(x.member) < k.second;
      });
  e->newest_t = std::max(e->newest_t, t);
  if (pos != v.end() && pos->bucket == b && pos->member == member) {
    return absl::OkStatus();  // already recorded in this bucket: no write
  }
  BeforeChange(r);
  v.insert(pos, Entry::Member{b, std::string(member), true});
  MarkWritten(r, e);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ShardState::DistinctCount(const StateSpec& s,
                                                  std::string_view entity,
                                                  int64_t t,
                                                  int64_t window_ms) {
  if (auto st = CheckKind(s, s.kind == StateKind::kDistinct, "DistinctCount");
      !st.ok()) {
    return st;
  }
  if (auto st = CheckWindowed(s); !st.ok()) return st;
  if (auto st = CheckQueryWindow(s, window_ms); !st.ok()) return st;
  const int64_t hi = BucketOf(t, s.bucket_ms);
  const int64_t lo = QueryFrom(s, t, window_ms);
  if (lo > hi) return 0;
  Record* r = nullptr;
  absl::StatusOr<Entry*> got = GetEntry(s, entity, t, lo, &r);
  if (!got.ok()) return got.status();
  seen_.clear();
  for (const Entry::Member& m : (*got)->members()) {
    if (m.bucket < lo) continue;
    if (m.bucket > hi) break;
    seen_.insert(m.member);
  }
  return static_cast<int64_t>(seen_.size());
}

absl::StatusOr<bool> ShardState::DistinctContains(const StateSpec& s,
                                                  std::string_view entity,
                                                  int64_t t,
                                                  std::string_view member,
                                                  int64_t window_ms) {
  if (auto st =
          CheckKind(s, s.kind == StateKind::kDistinct, "DistinctContains");
      !st.ok()) {
    return st;
  }
  if (auto st = CheckWindowed(s); !st.ok()) return st;
  if (auto st = CheckQueryWindow(s, window_ms); !st.ok()) return st;
  const int64_t hi = BucketOf(t, s.bucket_ms);
  const int64_t lo = QueryFrom(s, t, window_ms);
  if (lo > hi) return false;
  Record* r = nullptr;
  absl::StatusOr<Entry*> got = GetEntry(s, entity, t, lo, &r);
  if (!got.ok()) return got.status();
  for (const Entry::Member& m : (*got)->members()) {
    if (m.bucket < lo) continue;
    if (m.bucket > hi) break;
    if (m.member == member) return true;
  }
  return false;
}

absl::StatusOr<std::optional<std::pair<std::string_view, int64_t>>>
ShardState::LastGet(const StateSpec& s, std::string_view entity, int64_t t) {
  if (auto st = CheckKind(s, s.kind == StateKind::kLastSeen, "LastGet");
      !st.ok()) {
    return st;
  }
  Record* r = nullptr;
  absl::StatusOr<Entry*> got = GetLastEntry(s, entity, /*load=*/true, &r);
  if (!got.ok()) return got.status();
  Entry* e = *got;
  if (!e->has_last) return std::nullopt;
  // The ttl is the window (t - ttl, t] (docs/windows.md).
  if (s.ttl_ms > 0 && sdk::BeforeWindow(t, e->last_t, s.ttl_ms)) {
    return std::nullopt;
  }
  // Behind the visibility horizon: what the expiry filter may have removed.
  if (s.ttl_ms > 0 && e->last_t < VisibleFrom(s.ttl_ms, 1)) {
    return std::nullopt;
  }
  return std::make_optional(
      std::make_pair(std::string_view(e->last_value()), e->last_t));
}

absl::Status ShardState::LastPut(const StateSpec& s, std::string_view entity,
                                 int64_t t, std::string_view value) {
  if (auto st = CheckKind(s, s.kind == StateKind::kLastSeen, "LastPut");
      !st.ok()) {
    return st;
  }
  // A put overwrites whatever the DB holds, so a miss need not read it.
  Record* r = nullptr;
  absl::StatusOr<Entry*> got = GetLastEntry(s, entity, /*load=*/false, &r);
  if (!got.ok()) return got.status();
  Entry* e = *got;
  BeforeChange(r);
  e->has_last = true;
  e->last_dirty = true;
  e->last_t = t;
  e->last_value().assign(value.data(), value.size());
  e->newest_t = std::max(e->newest_t, t);
  MarkWritten(r, e);
  return absl::OkStatus();
}

}  // namespace riskflow::state
