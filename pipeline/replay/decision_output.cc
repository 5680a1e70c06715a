#include "pipeline/replay/decision_output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "pipeline/replay/decision_json.h"
#include "pipeline/replay/delimited.h"
#include "pipeline/replay/direct_output.h"

namespace riskflow::replay {
namespace {

// Route counts by enum value; anything outside (never made by the router)
// is counted under its number's name all the same.
constexpr int kRouteSlots = 8;

}  // namespace

// One shard's committed decisions, already serialised (on the shard's
// thread, so the writer thread only copies bytes): entry i is
// bytes[entries[i-1].end, entries[i].end) and has sequence
// entries[i].sequence. Emptied chunks go back to their shard for reuse, so
// neither side touches fresh memory per micro-batch.
struct DecisionWriter::Chunk {
  struct Entry {
    uint64_t sequence;
    size_t end;
  };
  std::string bytes;
  std::vector<Entry> entries;
  size_t next = 0;  // writer thread: the first entry not yet written

  void Clear() {
    bytes.clear();
    entries.clear();
    next = 0;
  }
};

// Per shard, touched only by that shard's thread in Add; summed by Finish
// once the shards have stopped.
struct DecisionWriter::ShardTally {
  uint64_t routes[kRouteSlots] = {};
  std::map<int, uint64_t> other_routes;
  std::map<std::string, uint64_t> detector_hits;

  void Add(const riskflow::v1::Decision& d) {
    const int route = d.route();
    if (route >= 0 && route < kRouteSlots) {
      ++routes[route];
    } else {
      ++other_routes[route];
    }
    for (int k = 0; k < d.annotations_size(); ++k) {
      // Count decisions, not annotations: a detector may annotate twice.
      const std::string& name = d.annotations(k).detector();
      bool seen = false;
      for (int j = 0; j < k && !seen; ++j) {
        seen = d.annotations(j).detector() == name;
      }
      if (!seen) ++detector_hits[name];
    }
  }
};

absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& text) {
  const std::string t = absl::AsciiStrToLower(text);
  if (t == "jsonl" || t == "json") return OutputFormat::kJsonl;
  if (t == "proto" || t == "pb") return OutputFormat::kProto;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown output format \"", text, "\" (expected jsonl or proto)"));
}

struct DecisionWriter::Impl {
  Impl(std::string p, OutputFormat f, uint32_t shards)
      : path(std::move(p)),
        tmp_path(path + ".partial"),
        format(f),
        out(tmp_path),
        incoming(shards),
        spare(shards),
        recycled(shards),
        tallies(shards) {}

  void Loop();
  // Writer thread: emits every decision it can in sequence order.
  void Drain(std::vector<std::deque<std::unique_ptr<Chunk>>>* local,
             std::vector<std::vector<std::unique_ptr<Chunk>>>* done);
  void Fail(absl::Status s) {
    absl::MutexLock lock(&mu);
    if (status.ok()) status = std::move(s);
  }

  const std::string path;
  const std::string tmp_path;
  const OutputFormat format;
  DirectOutput out;
  mutable absl::Mutex mu;
  std::vector<std::vector<std::unique_ptr<Chunk>>> incoming ABSL_GUARDED_BY(mu);
  bool closed ABSL_GUARDED_BY(mu) = false;
  absl::Status status ABSL_GUARDED_BY(mu);
  // Written chunks on their way back to their shard.
  std::vector<std::vector<std::unique_ptr<Chunk>>> recycled ABSL_GUARDED_BY(mu);
  // Shard k's thread only: empty chunks to fill next, and its counts.
  std::vector<std::vector<std::unique_ptr<Chunk>>> spare;
  std::vector<ShardTally> tallies;
  std::thread thread;
  bool renamed = false;
  // Writer thread only (read by Finish after the join).
  uint64_t next = 1;
  bool failed = false;
  bool leftover = false;
  uint64_t leftover_sequence = 0;
};

void DecisionWriter::Impl::Drain(
    std::vector<std::deque<std::unique_ptr<Chunk>>>* local,
    std::vector<std::vector<std::unique_ptr<Chunk>>>* done) {
  for (size_t k = 0; k < local->size();) {
    std::deque<std::unique_ptr<Chunk>>& q = (*local)[k];
    if (q.empty() || q.front()->entries[q.front()->next].sequence != next) {
      ++k;
      continue;
    }
    // Emit this shard's run of consecutive sequences (one copy per run),
    // then rescan.
    while (!q.empty()) {
      Chunk& c = *q.front();
      const size_t first = c.next;
      while (c.next < c.entries.size() && c.entries[c.next].sequence == next) {
        ++c.next;
        ++next;
      }
      if (c.next == first) break;
      const size_t from = first == 0 ? 0 : c.entries[first - 1].end;
      const size_t to = c.entries[c.next - 1].end;
      if (!failed) {
        if (absl::Status s = out.Append(c.bytes.data() + from, to - from);
            !s.ok()) {
          Fail(s);
          failed = true;
        }
      }
      if (c.next < c.entries.size()) break;
      (*done)[k].push_back(std::move(q.front()));
      q.pop_front();
    }
    k = 0;
  }
}

void DecisionWriter::Impl::Loop() {
  std::vector<std::deque<std::unique_ptr<Chunk>>> local(incoming.size());
  std::vector<std::vector<std::unique_ptr<Chunk>>> done(incoming.size());
  while (true) {
    bool finished = false;
    {
      absl::MutexLock lock(&mu);
      for (size_t k = 0; k < done.size(); ++k) {
        for (auto& c : done[k]) recycled[k].push_back(std::move(c));
        done[k].clear();
      }
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
        if (closed) return true;
        for (const auto& q : incoming) {
          if (!q.empty()) return true;
        }
        return false;
      };
      mu.Await(absl::Condition(&ready));
      for (size_t k = 0; k < incoming.size(); ++k) {
        for (auto& c : incoming[k]) local[k].push_back(std::move(c));
        incoming[k].clear();
      }
      finished = closed;
    }
    Drain(&local, &done);
    if (finished) break;
  }
  for (size_t k = 0; k < local.size(); ++k) {
    if (!local[k].empty()) {
      leftover = true;
      const Chunk& c = *local[k].front();
      leftover_sequence = c.entries[c.next].sequence;
    }
  }
}

DecisionWriter::DecisionWriter(std::string path, OutputFormat format,
                               uint32_t shards)
    : impl_(std::make_unique<Impl>(std::move(path), format, shards)) {}

DecisionWriter::~DecisionWriter() {
  if (impl_->thread.joinable()) {
    {
      absl::MutexLock lock(&impl_->mu);
      impl_->closed = true;
    }
    impl_->thread.join();
  }
  // A failed replay leaves no partial file to be mistaken for output.
  if (!impl_->renamed) std::remove(impl_->tmp_path.c_str());
}

absl::Status DecisionWriter::Open() {
  if (auto s = impl_->out.Open(); !s.ok()) return s;
  impl_->thread = std::thread([this] { impl_->Loop(); });
  return absl::OkStatus();
}

void DecisionWriter::Add(uint32_t shard,
                         const std::vector<riskflow::v1::Decision>& d) {
  if (d.empty()) return;
  // Serialised and counted here, on the shard's thread, outside the lock.
  std::vector<std::unique_ptr<Chunk>>& spare = impl_->spare[shard];
  std::unique_ptr<Chunk> chunk;
  if (spare.empty()) {
    chunk = std::make_unique<Chunk>();
  } else {
    chunk = std::move(spare.back());
    spare.pop_back();
    chunk->Clear();
  }
  chunk->entries.reserve(d.size());
  ShardTally& tally = impl_->tallies[shard];
  for (const riskflow::v1::Decision& decision : d) {
    tally.Add(decision);
    if (impl_->format == OutputFormat::kJsonl) {
      AppendDecisionJsonLine(decision, &chunk->bytes);
    } else {
      AppendDelimited(decision, &chunk->bytes);
    }
    chunk->entries.push_back({decision.sequence(), chunk->bytes.size()});
  }
  absl::MutexLock lock(&impl_->mu);
  for (auto& c : impl_->recycled[shard]) spare.push_back(std::move(c));
  impl_->recycled[shard].clear();
  if (!impl_->status.ok()) return;  // output failed: stop buffering
  impl_->incoming[shard].push_back(std::move(chunk));
}

absl::Status DecisionWriter::status() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->status;
}

absl::StatusOr<OutputSummary> DecisionWriter::Finish(uint64_t expected) {
  {
    absl::MutexLock lock(&impl_->mu);
    impl_->closed = true;
  }
  if (impl_->thread.joinable()) impl_->thread.join();
  if (absl::Status s = status(); !s.ok()) return s;
  if (impl_->leftover || impl_->next - 1 != expected) {
    return absl::InternalError(absl::StrCat(
        "the replay logged ", expected, " events but decided ",
        impl_->next - 1, " in sequence",
        impl_->leftover ? absl::StrCat(" (next present: ",
                                       impl_->leftover_sequence, ")")
                        : ""));
  }
  absl::StatusOr<std::string> sha = impl_->out.Finish();
  if (!sha.ok()) return sha.status();
  OutputSummary summary;
  summary.decisions = impl_->next - 1;
  summary.sha256 = *std::move(sha);
  // The shards have stopped (Replayer calls this after Engine::Stop).
  for (const ShardTally& t : impl_->tallies) {
    for (int r = 0; r < kRouteSlots; ++r) {
      if (t.routes[r] > 0) summary.routes[riskflow::v1::Route_Name(r)] += t.routes[r];
    }
    for (const auto& [r, n] : t.other_routes) {
      summary.routes[riskflow::v1::Route_Name(r)] += n;
    }
    for (const auto& [name, n] : t.detector_hits) {
      summary.detector_hits[name] += n;
    }
  }
  if (std::rename(impl_->tmp_path.c_str(), impl_->path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot rename ", impl_->tmp_path, " to ", impl_->path, ": ",
        std::strerror(errno)));
  }
  impl_->renamed = true;
  return summary;
}

}  // namespace riskflow::replay
