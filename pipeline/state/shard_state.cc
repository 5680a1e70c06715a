#include "pipeline/state/shard_state.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "pipeline/state/key_codec.h"
#include "pipeline/state/shard_state_entry.h"
#include "plugins/sdk/window_math.h"
#include "rocksdb/options.h"

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

ShardState::ShardState(Store* store, size_t max_cached_entities,
                       int64_t allowed_lateness_ms)
    : store_(store),
      max_entities_(max_cached_entities),
      lateness_ms_(std::max<int64_t>(0, allowed_lateness_ms)),
      watermark_(kMin) {}

ShardState::~ShardState() = default;

void ShardState::SetWatermark(int64_t watermark_ms) {
  watermark_ = std::max(watermark_, watermark_ms);
}

int64_t ShardState::VisibleFrom(int64_t retention_ms, int64_t bucket_ms) const {
  if (watermark_ == kMin || retention_ms == kRetainForever) return kMin;
  // The bucket holding (watermark - retention + 1) is the oldest whose end
  // the expiry filter still keeps (IsExpired compares a bucket's end, and
  // keeps the half-open window (clock - retention, ...]); the plugin SDK's
  // fake host applies the same function.
  return sdk::HorizonBucket(watermark_, retention_ms, bucket_ms);
}

int64_t ShardState::QueryFrom(const StateSpec& s, int64_t t,
                              int64_t window_ms) const {
  return std::max(BucketOf(SatSub(t, window_ms - 1), s.bucket_ms),
                  VisibleFrom(s.retention_ms(), s.bucket_ms));
}

absl::StatusOr<ShardState::Entry*> ShardState::GetEntry(const StateSpec& s,
                                                        std::string_view entity,
                                                        int64_t t,
                                                        int64_t need_bucket) {
  key_buf_.clear();
  AppendEntityPrefix(s.id, entity, &key_buf_);
  auto it = entries_.find(absl::string_view(key_buf_));
  Entry* e = nullptr;
  if (it != entries_.end()) {
    e = it->second.get();
    if (e->kind != s.kind || e->bucket_ms != s.bucket_ms) {
      return absl::FailedPreconditionError(
          absl::StrCat("state ", s.detector, "/", s.name,
                       " used with a different kind or bucket size"));
    }
    ++stats_.hits;
    e->last_used = ++tick_;
    // A hot reload may change the window (same bucket size): the horizon
    // and the trim cutoff must follow the version now deciding.
    e->window_ms = s.window_ms;
    e->retention_ms = s.retention_ms();
    if (need_bucket >= e->loaded_from) return e;
    // Older than anything cached: complete the range from the DB first.
    if (absl::Status st = LoadBuckets(e, need_bucket); !st.ok()) return st;
    return e;
  }

  ++stats_.misses;
  auto fresh = std::make_unique<Entry>();
  fresh->prefix = key_buf_;
  fresh->kind = s.kind;
  fresh->bucket_ms = s.bucket_ms;
  fresh->window_ms = s.window_ms;
  fresh->retention_ms = s.retention_ms();
  fresh->last_used = ++tick_;
  // Load what a query up to `lateness` behind t can need, in one scan.
  // Using the window (not max(window, ttl)) is enough: queries are refused
  // beyond the window, and ttl only governs how long the DB keeps data.
  // Nothing behind the visibility horizon: no event can see it.
  int64_t lo = std::min(
      need_bucket,
      std::max(BucketOf(SatSub(SatSub(t, s.window_ms), lateness_ms_),
                        s.bucket_ms),
               VisibleFrom(fresh->retention_ms, s.bucket_ms)));
  if (absl::Status st = LoadBuckets(fresh.get(), lo); !st.ok()) return st;
  e = fresh.get();
  entries_.emplace(absl::string_view(e->prefix), std::move(fresh));
  return e;
}

absl::StatusOr<ShardState::Entry*> ShardState::GetLastEntry(
    const StateSpec& s, std::string_view entity, bool load) {
  key_buf_.clear();
  AppendEntityPrefix(s.id, entity, &key_buf_);
  auto it = entries_.find(absl::string_view(key_buf_));
  if (it != entries_.end()) {
    Entry* e = it->second.get();
    if (e->kind != StateKind::kLastSeen) {
      return absl::FailedPreconditionError(absl::StrCat(
          "state ", s.detector, "/", s.name, " used with a different kind"));
    }
    ++stats_.hits;
    e->last_used = ++tick_;
    return e;
  }
  ++stats_.misses;
  auto fresh = std::make_unique<Entry>();
  fresh->prefix = key_buf_;
  fresh->kind = StateKind::kLastSeen;
  fresh->last_used = ++tick_;
  if (load) {
    absl::StatusOr<bool> found = store_->Get(Cf::kState, key_buf_, &value_buf_);
    if (!found.ok()) return found.status();
    if (*found) {
      std::string_view v;
      if (!DecodeLastSeenValue(value_buf_, &fresh->last_t, &v)) {
        return absl::DataLossError(absl::StrCat(
            "state ", s.detector, "/", s.name, ": malformed last-seen value"));
      }
      fresh->has_last = true;
      fresh->last_value.assign(v.data(), v.size());
    }
  }
  Entry* e = fresh.get();
  entries_.emplace(absl::string_view(e->prefix), std::move(fresh));
  return e;
}

absl::Status ShardState::LoadBuckets(Entry* e, int64_t lo) {
  if (lo >= e->loaded_from) return absl::OkStatus();
  std::string lower = e->prefix;
  AppendBucket(lo, &lower);
  std::string upper;
  bool bounded = true;
  if (e->loaded_from == kMax) {
    bounded = PrefixSuccessor(e->prefix, &upper);
  } else {
    upper = e->prefix;
    AppendBucket(e->loaded_from, &upper);
  }
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  if (bounded) ro.iterate_upper_bound = &upper_slice;
  // One entity only: lets the prefix bloom skip files without its state.
  ro.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it = store_->NewIterator(Cf::kState, ro);

  std::vector<Entry::Bucket> buckets;
  std::vector<Entry::Member> members;
  for (it->Seek(lower); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (key.substr(0, e->prefix.size()) != e->prefix) break;
    int64_t bucket = 0;
    std::string_view member;
    if (!DecodeBucketSuffix(key.substr(e->prefix.size()), &bucket, &member)) {
      return absl::DataLossError("state key without a bucket");
    }
    if (bucket >= e->loaded_from) break;
    if (e->kind == StateKind::kDistinct) {
      members.push_back({bucket, std::string(member), false});
    } else {
      int64_t v = 0;
      if (!DecodeInt64(std::string_view(it->value().data(), it->value().size()),
                       &v)) {
        return absl::DataLossError("state counter value is not 8 bytes");
      }
      buckets.push_back({bucket, v, 0});
    }
  }
  if (absl::Status st = store_->IteratorStatus(*it, "load state buckets");
      !st.ok()) {
    return st;
  }
  // Everything loaded lies below loaded_from, and everything cached at or
  // above it, so the loaded run goes in front.
  if (!buckets.empty()) {
    buckets.insert(buckets.end(), e->buckets.begin(), e->buckets.end());
    e->buckets.swap(buckets);
  }
  if (!members.empty()) {
    members.insert(members.end(), std::make_move_iterator(e->members.begin()),
                   std::make_move_iterator(e->members.end()));
    e->members.swap(members);
  }
  e->loaded_from = lo;
  return absl::OkStatus();
}

void ShardState::MarkWritten(Entry* e) {
  if (!e->dirty) {
    e->dirty = true;
    dirty_.push_back(e);
  }
  if (!e->touched) {
    e->touched = true;
    touched_.push_back(e);
  }
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
  absl::StatusOr<Entry*> got = GetEntry(s, entity, t, b);
  if (!got.ok()) return got.status();
  Entry* e = *got;
  auto& v = e->buckets;
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
  MarkWritten(e);
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
  absl::StatusOr<Entry*> got = GetEntry(s, entity, t, lo);
  if (!got.ok()) return got.status();
  int64_t total = 0;
  // Newest first: a query at the entity's current time stops after the
  // window's buckets.
  const auto& v = (*got)->buckets;
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
  absl::StatusOr<Entry*> got = GetEntry(s, entity, t, b);
  if (!got.ok()) return got.status();
  Entry* e = *got;
  auto& v = e->members;
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
  v.insert(pos, Entry::Member{b, std::string(member), true});
  MarkWritten(e);
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
  absl::StatusOr<Entry*> got = GetEntry(s, entity, t, lo);
  if (!got.ok()) return got.status();
  seen_.clear();
  for (const Entry::Member& m : (*got)->members) {
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
  absl::StatusOr<Entry*> got = GetEntry(s, entity, t, lo);
  if (!got.ok()) return got.status();
  for (const Entry::Member& m : (*got)->members) {
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
  absl::StatusOr<Entry*> got = GetLastEntry(s, entity, /*load=*/true);
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
      std::make_pair(std::string_view(e->last_value), e->last_t));
}

absl::Status ShardState::LastPut(const StateSpec& s, std::string_view entity,
                                 int64_t t, std::string_view value) {
  if (auto st = CheckKind(s, s.kind == StateKind::kLastSeen, "LastPut");
      !st.ok()) {
    return st;
  }
  // A put overwrites whatever the DB holds, so a miss need not read it.
  absl::StatusOr<Entry*> got = GetLastEntry(s, entity, /*load=*/false);
  if (!got.ok()) return got.status();
  Entry* e = *got;
  e->has_last = true;
  e->last_dirty = true;
  e->last_t = t;
  e->last_value.assign(value.data(), value.size());
  e->newest_t = std::max(e->newest_t, t);
  MarkWritten(e);
  return absl::OkStatus();
}

}  // namespace riskflow::state
