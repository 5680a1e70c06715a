#include "pipeline/engine/checkpoint_sst.h"

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/storage/rocks_status.h"
#include "rocksdb/env.h"
#include "rocksdb/options.h"
#include "rocksdb/sst_file_writer.h"

namespace riskflow::engine {

using storage::Cf;
using storage::FromRocks;

namespace {

// A writer made with the column family's own options, so the file's
// comparator, prefix extractor, filters and table format are the ones the
// column family reads with; the handle makes ingestion into any other
// column family fail.
std::unique_ptr<rocksdb::SstFileWriter> NewWriter(storage::Store* store,
                                                  Cf cf) {
  rocksdb::ColumnFamilyHandle* handle = store->handle(cf);
  const rocksdb::Options options = store->db()->GetOptions(handle);
  // invalidate_page_cache = false: compaction reads the file soon.
  return std::make_unique<rocksdb::SstFileWriter>(
      rocksdb::EnvOptions(options), options, handle,
      /*invalidate_page_cache=*/false);
}

// RocksDB 7.8's status when allow_blocking_flush is false and a memtable
// holds a key in an ingested file's range.
bool NeedsFlush(const rocksdb::Status& s) {
  return s.IsInvalidArgument() &&
         absl::StrContains(s.ToString(), "requires flush");
}

}  // namespace

CheckpointSst::CheckpointSst(storage::Store* store, std::string name)
    : store_(store),
      state_path_(absl::StrCat(store->staging_dir(), "/checkpoint-", name,
                               "-state.sst")),
      meta_path_(absl::StrCat(store->staging_dir(), "/checkpoint-", name,
                              "-meta.sst")) {}

CheckpointSst::~CheckpointSst() { RemoveFiles(); }

void CheckpointSst::RemoveFiles() {
  // After a successful ingestion RocksDB has removed them (move_files).
  rocksdb::Env* env = rocksdb::Env::Default();
  if (env->FileExists(state_path_).ok()) {
    env->DeleteFile(state_path_).PermitUncheckedError();
  }
  if (env->FileExists(meta_path_).ok()) {
    env->DeleteFile(meta_path_).PermitUncheckedError();
  }
}

absl::Status CheckpointSst::Build(state::StateChanges& changes,
                                  std::string_view offset_key,
                                  std::string_view offset_value) {
  built_ = false;
  has_state_file_ = false;
  entries_ = 0;
  file_bytes_ = 0;
  absl::Status status = [&]() -> absl::Status {
    if (!changes.empty()) {
      std::unique_ptr<rocksdb::SstFileWriter> w = NewWriter(store_, Cf::kState);
      rocksdb::Status s = w->Open(state_path_);
      if (!s.ok()) return FromRocks(s, absl::StrCat("open ", state_path_));
      // Duplicated keys are reduced with the column family's own merge
      // operator, as a read or compaction would.
      const rocksdb::Options options =
          store_->db()->GetOptions(store_->handle(Cf::kState));
      absl::StatusOr<size_t> entries =
          changes.WriteSortedTo(w.get(), options.merge_operator.get());
      if (!entries.ok()) return entries.status();
      // Finish syncs the file.
      s = w->Finish();
      if (!s.ok()) return FromRocks(s, absl::StrCat("finish ", state_path_));
      entries_ = *entries;
      file_bytes_ += w->FileSize();
      has_state_file_ = true;
    }
    std::unique_ptr<rocksdb::SstFileWriter> w = NewWriter(store_, Cf::kMeta);
    rocksdb::Status s = w->Open(meta_path_);
    if (s.ok()) s = w->Put(offset_key, offset_value);
    if (s.ok()) s = w->Finish();
    if (!s.ok()) return FromRocks(s, absl::StrCat("write ", meta_path_));
    file_bytes_ += w->FileSize();
    return absl::OkStatus();
  }();
  if (!status.ok()) {
    RemoveFiles();
    return status;
  }
  built_ = true;
  return absl::OkStatus();
}

absl::Status CheckpointSst::Ingest() {
  if (!built_) return absl::FailedPreconditionError("checkpoint not built");
  rocksdb::IngestExternalFileOptions options;
  // Hard-link the files into the store instead of copying them.
  options.move_files = true;
  // The sequence number goes into the MANIFEST only; writing it into the
  // file would be a random write and sync while RocksDB stops writes.
  options.write_global_seqno = false;
  // A flush that ingestion forces runs while every write is stopped; flush
  // ourselves (writes go on) and try again.
  options.allow_blocking_flush = false;
  std::vector<rocksdb::IngestExternalFileArg> args;
  if (has_state_file_) {
    rocksdb::IngestExternalFileArg& a = args.emplace_back();
    a.column_family = store_->handle(Cf::kState);
    a.external_files = {state_path_};
    a.options = options;
  }
  rocksdb::IngestExternalFileArg& a = args.emplace_back();
  a.column_family = store_->handle(Cf::kMeta);
  a.external_files = {meta_path_};
  a.options = options;

  absl::Time start = absl::Now();
  rocksdb::Status s = store_->db()->IngestExternalFiles(args);
  if (NeedsFlush(s)) {
    ++flushes_;
    // Which one overlapped: in a live daemon only the meta CF's memtable
    // is expected to (the layouts' offsets written at start).
    uint64_t active = 0;
    uint64_t immutable = 0;
    store_->db()->GetIntProperty(store_->handle(Cf::kState),
                                 "rocksdb.num-entries-active-mem-table",
                                 &active);
    store_->db()->GetIntProperty(store_->handle(Cf::kState),
                                 "rocksdb.num-entries-imm-mem-tables",
                                 &immutable);
    flushed_state_entries_ = active + immutable;
    rocksdb::FlushOptions flush;
    flush.wait = true;
    s = store_->db()->Flush(
        flush, {store_->handle(Cf::kState), store_->handle(Cf::kMeta)});
    if (!s.ok()) return FromRocks(s, "flush before ingesting a checkpoint");
    // Something may have written the range again meanwhile: then a
    // blocking flush is the price of correctness.
    for (rocksdb::IngestExternalFileArg& arg : args) {
      arg.options.allow_blocking_flush = true;
    }
    start = absl::Now();
    s = store_->db()->IngestExternalFiles(args);
  }
  if (!s.ok()) return FromRocks(s, "ingest checkpoint files");
  ingest_time_ = absl::Now() - start;
  built_ = false;
  RemoveFiles();
  return absl::OkStatus();
}

}  // namespace riskflow::engine
