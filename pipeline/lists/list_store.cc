#include "pipeline/lists/list_store.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"

namespace riskflow::lists {
namespace {

using riskflow::v1::ListEntity;
using riskflow::v1::ListEntry;
using riskflow::v1::ListKind;

constexpr char kPrefix[] = "list/";
constexpr size_t kMaxValueBytes = 256;

}  // namespace

std::string ListKey(ListKind kind, ListEntity entity, std::string_view value) {
  return absl::StrCat(kPrefix, static_cast<int>(kind), "/",
                      static_cast<int>(entity), "/",
                      absl::string_view(value.data(), value.size()));
}

const ListEntry* ListSnapshot::Find(ListKind kind, ListEntity entity,
                                    std::string_view value,
                                    int64_t event_time_ms) const {
  if (value.empty() || entries_.empty()) return nullptr;
  auto it = entries_.find(ListKey(kind, entity, value));
  if (it == entries_.end()) return nullptr;
  const ListEntry& e = it->second;
  if (e.expires_at_ms() != 0 && event_time_ms >= e.expires_at_ms()) {
    return nullptr;
  }
  return &e;
}

ListStore::ListStore(storage::Store* store)
    : store_(store), snapshot_(std::make_shared<ListSnapshot>()) {}

absl::Status ListStore::Load() {
  auto fresh = std::make_shared<ListSnapshot>();
  std::unique_ptr<rocksdb::Iterator> it =
      store_->NewIterator(storage::Cf::kMeta);
  for (it->Seek(kPrefix); it->Valid() && it->key().starts_with(kPrefix);
       it->Next()) {
    ListEntry entry;
    if (!entry.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
      return absl::DataLossError(
          absl::StrCat("list entry ", it->key().ToString(), " is unreadable"));
    }
    fresh->entries_[it->key().ToString()] = std::move(entry);
  }
  if (auto s = store_->IteratorStatus(*it, "reading the allow/block lists");
      !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&mu_);
  snapshot_ = std::move(fresh);
  return absl::OkStatus();
}

absl::StatusOr<ListEntry> ListStore::Put(ListEntry entry, int64_t now_ms) {
  if (entry.kind() != riskflow::v1::ALLOW &&
      entry.kind() != riskflow::v1::BLOCK) {
    return absl::InvalidArgumentError("kind: must be ALLOW or BLOCK");
  }
  if (entry.entity() == riskflow::v1::LIST_ENTITY_UNSPECIFIED ||
      !riskflow::v1::ListEntity_IsValid(entry.entity())) {
    return absl::InvalidArgumentError(
        "entity: must be ACCOUNT, COUNTERPARTY, DEVICE or IP");
  }
  if (entry.value().empty() || entry.value().size() > kMaxValueBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("value: 1 to ", kMaxValueBytes, " bytes required"));
  }
  if (entry.expires_at_ms() < 0) {
    return absl::InvalidArgumentError(
        "expires_at_ms: must be 0 (never) or a time in ms since the epoch");
  }
  entry.set_added_at_ms(now_ms);
  const std::string key = ListKey(entry.kind(), entry.entity(), entry.value());
  rocksdb::WriteBatch batch;
  batch.Put(store_->handle(storage::Cf::kMeta), key, entry.SerializeAsString());
  absl::MutexLock lock(&mu_);
  if (auto s = store_->Write(&batch, /*sync=*/true); !s.ok()) return s;
  auto next = std::make_shared<ListSnapshot>(*snapshot_);
  next->entries_[key] = entry;
  snapshot_ = std::move(next);
  return entry;
}

absl::StatusOr<bool> ListStore::Delete(ListKind kind, ListEntity entity,
                                       const std::string& value) {
  const std::string key = ListKey(kind, entity, value);
  absl::MutexLock lock(&mu_);
  if (snapshot_->entries_.find(key) == snapshot_->entries_.end()) return false;
  rocksdb::WriteBatch batch;
  batch.Delete(store_->handle(storage::Cf::kMeta), key);
  if (auto s = store_->Write(&batch, /*sync=*/true); !s.ok()) return s;
  auto next = std::make_shared<ListSnapshot>(*snapshot_);
  next->entries_.erase(key);
  snapshot_ = std::move(next);
  return true;
}

std::vector<ListEntry> ListStore::Entries(ListKind kind,
                                          ListEntity entity) const {
  std::shared_ptr<const ListSnapshot> snap = snapshot();
  std::vector<ListEntry> out;
  for (const auto& [key, e] : snap->entries_) {
    if (kind != riskflow::v1::LIST_KIND_UNSPECIFIED && e.kind() != kind) {
      continue;
    }
    if (entity != riskflow::v1::LIST_ENTITY_UNSPECIFIED &&
        e.entity() != entity) {
      continue;
    }
    out.push_back(e);
  }
  std::sort(out.begin(), out.end(), [](const ListEntry& a, const ListEntry& b) {
    return std::make_tuple(a.kind(), a.entity(), a.value()) <
           std::make_tuple(b.kind(), b.entity(), b.value());
  });
  return out;
}

std::shared_ptr<const ListSnapshot> ListStore::snapshot() const {
  absl::MutexLock lock(&mu_);
  return snapshot_;
}

}  // namespace riskflow::lists
