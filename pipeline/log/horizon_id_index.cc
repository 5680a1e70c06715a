#include "pipeline/log/horizon_id_index.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pipeline/common/background_thread.h"

namespace riskflow::log {
namespace {

uint64_t DefaultChunkEvents(uint64_t horizon) {
  return std::clamp<uint64_t>(horizon / 8, 1, uint64_t{1} << 18);
}

// A chunk's entries are reserved at once (no vector doubling — a copy of up
// to 6 MB — on the writer's path), up to this many.
constexpr uint64_t kMaxChunkReserve = uint64_t{1} << 20;

}  // namespace

HorizonIdIndex::HorizonIdIndex(HorizonIdIndexOptions options)
    : options_([&] {
        options.horizon_events = std::clamp<uint64_t>(
            options.horizon_events, 1, HorizonIdTable::kMaxEntries);
        return std::move(options);
      }()),
      chunk_events_(options_.chunk_events > 0
                        ? options_.chunk_events
                        : DefaultChunkEvents(options_.horizon_events)),
      table_(options_.horizon_events, options_.initial_table_entries) {
  if (!options_.checkpoint_dir.empty()) {
    thread_ = std::thread([this] {
      NameThisThread("id-index");
      CheckpointLoop();
    });
  }
}

HorizonIdIndex::~HorizonIdIndex() {
  table_.WithdrawSpare();  // a queued preparation then returns at once
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void HorizonIdIndex::Log(const std::string& line) const {
  if (options_.log_line) {
    options_.log_line(line);
  } else {
    std::fprintf(stderr, "idempotency index: %s\n", line.c_str());
  }
}

const HorizonIdIndex::ChunkEntry& HorizonIdIndex::At(uint64_t sequence) const {
  const Chunk& chunk = *chunks_[ChunkId(sequence) - chunks_.front()->id];
  return chunk.entries[sequence - chunk.first];
}

std::optional<HorizonIdIndex::Entry> HorizonIdIndex::Lookup(
    const IdFingerprint& fp) const {
  const ChunkEntry* entry = nullptr;
  std::optional<uint64_t> seq =
      table_.Find(fp, last_sequence(), [&](uint64_t s) {
        entry = &At(s);
        return entry->fp == fp;
      });
  if (!seq.has_value()) return std::nullopt;
  return Entry{*seq, entry->content_hash};
}

void HorizonIdIndex::Append(uint64_t sequence, const IdFingerprint& fp,
                            uint64_t content_hash) {
  if (next_ == 0) {
    next_ = sequence;
    evicted_through_ = sequence - 1;
  }
  // Dense by construction (EventLog appends each logged event once, in
  // order); anything else is a bug that would misplace content hashes.
  if (sequence != next_) {
    Log(absl::StrCat("BUG: append of sequence ", sequence, ", expected ",
                     next_, "; the index restarts at ", sequence));
    table_.Clear();
    chunks_.clear();
    next_ = sequence;
    evicted_through_ = sequence - 1;
  }
  if (chunks_.empty() || chunks_.back()->id != ChunkId(sequence)) {
    if (!chunks_.empty() && !options_.checkpoint_dir.empty() &&
        chunks_.back()->on_disk != chunks_.back()->entries.size()) {
      Enqueue(Task{chunks_.back(), chunks_.back()->id});  // sealed
    }
    auto chunk = std::make_shared<Chunk>();
    chunk->id = ChunkId(sequence);
    chunk->first = sequence;
    chunk->entries.reserve(std::min(chunk_events_, kMaxChunkReserve));
    chunks_.push_back(std::move(chunk));
  }
  // Before the entry is added: the table's match callback reads entries of
  // sequences already appended only. A repeated id keeps its first sequence.
  table_.Insert(fp, sequence,
                [&](uint64_t s) { return At(s).fp == fp; });
  // The next doubling's table is faulted in by this index's thread, not
  // by the log writer on its first inserts (horizon_id_table.h).
  if (thread_.joinable()) {
    if (const uint64_t slots = table_.TakeSpareRequest(); slots != 0) {
      Enqueue(Task{nullptr, 0, slots});
    }
  }
  chunks_.back()->entries.push_back(ChunkEntry{fp, content_hash});
  ++next_;
  if (sequence > options_.horizon_events) {
    Evict(sequence - options_.horizon_events);
  }
}

void HorizonIdIndex::Evict(uint64_t floor) {
  while (evicted_through_ < floor) {
    const uint64_t seq = ++evicted_through_;
    // Only the entry it created: the table keeps an id's first sequence.
    table_.Erase(At(seq).fp, seq);
  }
  // Whole chunks behind the horizon go, with their files.
  while (chunks_.size() > 1 &&
         (chunks_.front()->id + 1) * chunk_events_ <= evicted_through_) {
    if (!options_.checkpoint_dir.empty()) {
      Enqueue(Task{nullptr, chunks_.front()->id});
    }
    chunks_.pop_front();
  }
}

void HorizonIdIndex::Enqueue(Task task) {
  absl::MutexLock lock(&mu_);
  tasks_.push_back(std::move(task));
}

void HorizonIdIndex::CheckpointLoop() {
  while (true) {
    Task task;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !tasks_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
      busy_ = true;
    }
    if (task.spare_slots != 0) {
      table_.PrepareSpare(task.spare_slots);
      absl::MutexLock lock(&mu_);
      busy_ = false;
      continue;
    }
    const std::string path = absl::StrCat(options_.checkpoint_dir, "/",
                                          IdChunkFileName(task.id));
    absl::Status status;
    if (task.write != nullptr) {
      status = WriteIdChunkFile(path, task.write->first, chunk_events_,
                                task.write->entries.data(),
                                task.write->entries.size());
    } else if (std::remove(path.c_str()) != 0 && errno != ENOENT) {
      status = absl::UnavailableError(absl::StrCat("deleting ", path));
    }
    if (!status.ok()) Log(std::string(status.message()));
    absl::MutexLock lock(&mu_);
    busy_ = false;
    if (!status.ok() && write_status_.ok()) write_status_ = status;
  }
}

absl::Status HorizonIdIndex::Checkpoint() {
  if (options_.checkpoint_dir.empty()) return absl::OkStatus();
  if (!chunks_.empty()) {
    // A copy: the writer appends to the live chunk again after a restart
    // of the log (not of the process), and the thread reads this one.
    Enqueue(Task{std::make_shared<Chunk>(*chunks_.back()),
                 chunks_.back()->id});
  }
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return tasks_.empty() && !busy_;
  };
  mu_.Await(absl::Condition(&idle));
  absl::Status status = write_status_;
  write_status_ = absl::OkStatus();
  return status;
}

void HorizonIdIndex::SyncCheckpointDir() {
  const int fd = ::open(options_.checkpoint_dir.c_str(),
                        O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    Log(absl::StrCat("syncing ", options_.checkpoint_dir, ": ",
                     std::strerror(errno)));
  }
  if (fd >= 0) ::close(fd);
}

uint64_t HorizonIdIndex::LoadChunkFiles(uint64_t start, uint64_t last,
                                        IdIndexRebuildReport* report) {
  uint64_t covered = start - 1;
  std::vector<uint64_t> ids;
  if (DIR* d = ::opendir(options_.checkpoint_dir.c_str())) {
    while (struct dirent* entry = ::readdir(d)) {
      if (auto id = ParseIdChunkFileName(entry->d_name)) ids.push_back(*id);
    }
    ::closedir(d);
  }
  std::sort(ids.begin(), ids.end());
  // Files that may hold ids of records the log no longer has. The event
  // log gives the index a group's ids when the group is written, before it
  // is durable (docs/segment-log.md, "Concurrent syncs"), so a crash can
  // take records whose ids a chunk file kept. Their sequences go to other
  // events from now on, so such a file must never be read again (a later
  // rebuild of a longer log would take its stale ids): it is deleted,
  // durably, and the chunk written afresh when it is sealed.
  bool deleted = false;
  auto drop_if_past_log = [&](uint64_t id, const std::string& path) {
    if ((id + 1) * chunk_events_ > last) {
      std::remove(path.c_str());
      deleted = true;
    }
  };
  bool gap = false;
  for (uint64_t id : ids) {
    const std::string path =
        absl::StrCat(options_.checkpoint_dir, "/", IdChunkFileName(id));
    // Wholly before the horizon (or a stale chunk size): not needed again.
    if (last == 0 || (id + 1) * chunk_events_ < start) {
      std::remove(path.c_str());
      continue;
    }
    if (gap) {  // the log scan covers it; a later write replaces it
      drop_if_past_log(id, path);
      continue;
    }
    absl::StatusOr<IdChunkFile> file = ReadIdChunkFile(path);
    if (file.ok() && file->chunk_events != chunk_events_) {
      file = absl::DataLossError(absl::StrCat(
          path, " was written with chunks of ", file->chunk_events));
    }
    if (!file.ok()) {
      Log(absl::StrCat("ignoring a checkpoint file (the log is read "
                       "instead): ", file.status().message()));
      gap = true;
      drop_if_past_log(id, path);
      continue;
    }
    const uint64_t file_last = file->first + file->entries.size() - 1;
    if (file->entries.empty() || file_last <= covered) continue;
    if (file->first > covered + 1) {
      gap = true;
      drop_if_past_log(id, path);
      continue;
    }
    ++report->files_used;
    for (uint64_t seq = covered + 1; seq <= std::min(file_last, last); ++seq) {
      const IdChunkRecord& r = file->entries[seq - file->first];
      Append(seq, r.fp, r.content_hash);
      ++report->from_checkpoint;
    }
    if (file_last > last) {
      Log(absl::StrCat(path, " covers sequences up to ", file_last,
                       " but the log ends at ", last,
                       "; deleting it (the log's tail is read instead)"));
      std::remove(path.c_str());
      deleted = true;
      gap = true;
    } else if (Chunk& chunk = *chunks_.back(); chunk.first == file->first) {
      // Not written again when sealed if the file already holds all of it.
      chunk.on_disk = file->entries.size();
    }
    covered = std::min(file_last, last);
  }
  if (deleted) SyncCheckpointDir();
  return covered;
}

absl::StatusOr<IdIndexRebuildReport> HorizonIdIndex::Rebuild(
    uint64_t first_sequence, uint64_t log_last, const ScanLog& scan) {
  IdIndexRebuildReport report;
  if (!options_.checkpoint_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options_.checkpoint_dir, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat(
          "creating ", options_.checkpoint_dir, ": ", ec.message()));
    }
  }
  uint64_t start = std::max<uint64_t>(1, first_sequence);
  if (log_last > options_.horizon_events) {
    start = std::max(start, log_last - options_.horizon_events + 1);
  }
  // Every id of [start, log_last] is loaded (repeats aside): one table of
  // that size instead of doubling towards it.
  if (log_last >= start) table_.Reserve(log_last - start + 1);
  uint64_t covered = start - 1;
  if (!options_.checkpoint_dir.empty()) {
    covered = LoadChunkFiles(start, log_last, &report);
  }
  if (covered >= log_last) return report;
  absl::Status s = scan(covered, [&](uint64_t seq, const IdFingerprint& fp,
                                     uint64_t content_hash) {
    Append(seq, fp, content_hash);
    ++report.scanned;
  });
  if (!s.ok()) return s;
  if (next_ != log_last + 1) {
    return absl::DataLossError(absl::StrCat(
        "rebuilding the idempotency index read the log up to sequence ",
        last_sequence(), " but it ends at ", log_last));
  }
  return report;
}

size_t HorizonIdIndex::memory_bytes() const {
  size_t bytes = table_.memory_bytes();
  for (const auto& c : chunks_) bytes += c->entries.capacity() * sizeof(ChunkEntry);
  return bytes;
}

}  // namespace riskflow::log
