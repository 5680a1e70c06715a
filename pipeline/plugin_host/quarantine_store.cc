#include "pipeline/common/logger.h"
#include "pipeline/plugin_host/quarantine_store.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"

namespace riskflow::plugin_host {
namespace {

constexpr char kPrefix[] = "quarantine/";
// "quarantine-suspect/<sequence>/<detector>": calls running when an earlier
// process was killed from outside (see QuarantineFromMarkers).
constexpr char kSuspectPrefix[] = "quarantine-suspect/";

using riskflow::v1::QuarantinedDetector;
using Suspect = std::pair<std::string, uint64_t>;  // detector, sequence

std::string BuildIdOf(const Pipeline& pipeline, const std::string& detector) {
  for (const auto& slot : pipeline.detectors()) {
    if (slot->config.name() == detector) return slot->plugin->build_id();
  }
  return "";
}

}  // namespace

std::string SignalName(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    default: return absl::StrCat("signal ", sig);
  }
}

absl::Status QuarantineStore::Load() {
  std::map<std::string, QuarantinedDetector> fresh;
  std::unique_ptr<rocksdb::Iterator> it =
      store_->NewIterator(storage::Cf::kMeta);
  for (it->Seek(kPrefix); it->Valid() && it->key().starts_with(kPrefix);
       it->Next()) {
    QuarantinedDetector q;
    if (!q.ParseFromArray(it->value().data(),
                          static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat(
          "quarantine record ", it->key().ToString(), " is unreadable"));
    }
    fresh[q.detector()] = std::move(q);
  }
  if (auto s = store_->IteratorStatus(*it, "reading quarantined detectors");
      !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&mu_);
  entries_ = std::move(fresh);
  return absl::OkStatus();
}

absl::Status QuarantineStore::Persist(const QuarantinedDetector& q) {
  rocksdb::WriteBatch batch;
  batch.Put(store_->handle(storage::Cf::kMeta),
            absl::StrCat(kPrefix, q.detector()), q.SerializeAsString());
  return store_->Write(&batch, /*sync=*/true);
}

absl::Status QuarantineStore::Add(QuarantinedDetector q) {
  if (q.since_ms() == 0) q.set_since_ms(absl::ToUnixMillis(absl::Now()));
  absl::MutexLock lock(&mu_);
  if (entries_.count(q.detector()) > 0) return absl::OkStatus();
  if (auto s = Persist(q); !s.ok()) return s;
  entries_[q.detector()] = std::move(q);
  return absl::OkStatus();
}

absl::StatusOr<bool> QuarantineStore::Clear(const std::string& detector) {
  absl::MutexLock lock(&mu_);
  if (entries_.count(detector) == 0) return false;
  rocksdb::WriteBatch batch;
  batch.Delete(store_->handle(storage::Cf::kMeta),
               absl::StrCat(kPrefix, detector));
  if (auto s = store_->Write(&batch, /*sync=*/true); !s.ok()) return s;
  entries_.erase(detector);
  return true;
}

std::vector<QuarantinedDetector> QuarantineStore::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<QuarantinedDetector> out;
  for (const auto& [name, q] : entries_) out.push_back(q);
  return out;
}

std::optional<QuarantinedDetector> QuarantineStore::Find(
    const std::string& detector) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(detector);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void QuarantineStore::ApplyTo(const Pipeline& pipeline) const {
  absl::MutexLock lock(&mu_);
  for (const auto& slot : pipeline.detectors()) {
    auto it = entries_.find(slot->config.name());
    if (it != entries_.end()) slot->SetQuarantine(it->second.reason());
  }
}

absl::StatusOr<std::vector<QuarantinedDetector>>
QuarantineStore::QuarantineFromMarkers(const std::string& dir,
                                       const std::string& prefix,
                                       const Pipeline& pipeline) {
  const std::vector<std::string> files = MarkerFiles(dir, prefix);
  std::vector<MarkerState> running;
  for (const std::string& f : files) {
    if (auto m = CrashMarker::ReadFile(f); m.has_value()) {
      running.push_back(std::move(*m));
    }
  }
  // What the previous start left as suspects.
  std::set<Suspect> previous;
  rocksdb::WriteBatch batch;
  {
    std::unique_ptr<rocksdb::Iterator> it =
        store_->NewIterator(storage::Cf::kMeta);
    for (it->Seek(kSuspectPrefix);
         it->Valid() && it->key().starts_with(kSuspectPrefix); it->Next()) {
      const std::string key = it->key().ToString();
      std::vector<std::string> parts = absl::StrSplit(
          absl::string_view(key).substr(sizeof(kSuspectPrefix) - 1),
          absl::MaxSplits('/', 1));
      uint64_t seq = 0;
      if (parts.size() == 2 && absl::SimpleAtoi(parts[0], &seq)) {
        previous.insert({parts[1], seq});
      }
      batch.Delete(store_->handle(storage::Cf::kMeta), key);
    }
    if (auto s = store_->IteratorStatus(*it, "reading quarantine suspects");
        !s.ok()) {
      return s;
    }
  }

  std::vector<QuarantinedDetector> added;
  auto quarantine = [&](const MarkerState& m, std::string reason) {
    QuarantinedDetector q;
    q.set_detector(m.detector);
    q.set_reason(std::move(reason));
    q.set_sequence(m.sequence);
    q.set_plugin_build_id(BuildIdOf(pipeline, m.detector));
    added.push_back(q);
  };
  bool definitive = false;
  for (const MarkerState& m : running) {
    if (m.crash_signal != 0) {
      definitive = true;
      quarantine(m, absl::StrCat("crashed the daemon (",
                                 SignalName(m.crash_signal),
                                 ") on log sequence ", m.sequence));
    } else if (m.hung) {
      definitive = true;
      quarantine(m, absl::StrCat("hung on log sequence ", m.sequence,
                                 " (budget ", m.budget_us,
                                 " us); the watchdog aborted the daemon"));
    }
  }
  // Without a flagged marker the process was killed from outside; whatever
  // ran is a suspect, convicted only by a repeat. (With one, the other
  // running calls were bystanders of that crash.)
  if (!definitive) {
    for (const MarkerState& m : running) {
      if (previous.count({m.detector, m.sequence}) > 0) {
        quarantine(m, absl::StrCat(
                          "the daemon was killed twice in a row (SIGKILL: "
                          "out of memory?) while it ran on log sequence ",
                          m.sequence));
      } else {
        batch.Put(store_->handle(storage::Cf::kMeta),
                  absl::StrCat(kSuspectPrefix, m.sequence, "/", m.detector),
                  "");
        logging::Log(
            logging::Level::kWarning, {"plugin_host", -1, m.detector},
            absl::StrCat("the previous process died (killed from outside?) "
                         "while this detector ran on log sequence ",
                         m.sequence,
                         "; it is quarantined if that happens again there"));
      }
    }
  }
  if (auto s = store_->Write(&batch, /*sync=*/true); !s.ok()) return s;
  for (QuarantinedDetector& q : added) {
    logging::Log(logging::Level::kError, {"plugin_host", -1, q.detector()},
                 absl::StrCat("is quarantined: ", q.reason(),
                              " (clear with `riskflow quarantine clear ",
                              q.detector(), "`)"));
    if (auto s = Add(q); !s.ok()) return s;
  }
  // Evidence is on record; the files go, so the next start begins clean.
  for (const std::string& f : files) unlink(f.c_str());
  return added;
}

}  // namespace riskflow::plugin_host
