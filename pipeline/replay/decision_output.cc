#include "pipeline/replay/decision_output.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "pipeline/replay/decision_json.h"
#include "pipeline/replay/delimited.h"

namespace riskflow::replay {
namespace {

constexpr size_t kFlushBytes = 1 << 20;

absl::Status WriteError(const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
}

// The output file and its SHA-256, computed over exactly the bytes written
// so the summary's hash never needs a second pass over a large file.
class HashedOutput {
 public:
  explicit HashedOutput(std::string path) : path_(std::move(path)) {}
  ~HashedOutput() {
    if (file_ != nullptr) std::fclose(file_);
    if (ctx_ != nullptr) EVP_MD_CTX_free(ctx_);
  }

  absl::Status Open() {
    file_ = std::fopen(path_.c_str(), "wb");
    if (file_ == nullptr) return WriteError(path_);
    ctx_ = EVP_MD_CTX_new();
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
      return absl::InternalError("cannot start SHA-256 (libcrypto)");
    }
    return absl::OkStatus();
  }
  std::string* buffer() { return &buffer_; }
  absl::Status MaybeFlush(bool force) {
    if (buffer_.size() < kFlushBytes && !force) return absl::OkStatus();
    EVP_DigestUpdate(ctx_, buffer_.data(), buffer_.size());
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) !=
        buffer_.size()) {
      return WriteError(path_);
    }
    buffer_.clear();
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> Finish() {
    if (auto s = MaybeFlush(true); !s.ok()) return s;
    const int rc = std::fclose(file_);
    file_ = nullptr;
    if (rc != 0) return WriteError(path_);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx_, digest, &length);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
      hex.push_back(kHex[digest[i] >> 4]);
      hex.push_back(kHex[digest[i] & 0xf]);
    }
    return hex;
  }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  EVP_MD_CTX* ctx_ = nullptr;
  std::string buffer_;
};

void Tally(const riskflow::v1::Decision& d, OutputSummary* s) {
  ++s->decisions;
  ++s->routes[riskflow::v1::Route_Name(d.route())];
  for (int k = 0; k < d.annotations_size(); ++k) {
    // Count decisions, not annotations: a detector may annotate twice.
    const std::string& name = d.annotations(k).detector();
    bool seen = false;
    for (int j = 0; j < k && !seen; ++j) {
      seen = d.annotations(j).detector() == name;
    }
    if (!seen) ++s->detector_hits[name];
  }
}

}  // namespace

absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& text) {
  const std::string t = absl::AsciiStrToLower(text);
  if (t == "jsonl" || t == "json") return OutputFormat::kJsonl;
  if (t == "proto" || t == "pb") return OutputFormat::kProto;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown output format \"", text, "\" (expected jsonl or proto)"));
}

using Chunk = std::vector<riskflow::v1::Decision>;

struct DecisionWriter::Impl {
  Impl(std::string p, OutputFormat f, uint32_t shards)
      : path(std::move(p)),
        tmp_path(path + ".partial"),
        format(f),
        out(tmp_path),
        incoming(shards) {}

  void Loop();
  // Writer thread: emits every decision it can in sequence order.
  void Drain(std::vector<std::deque<Chunk>>* local, std::vector<size_t>* pos);
  void Fail(absl::Status s) {
    absl::MutexLock lock(&mu);
    if (status.ok()) status = std::move(s);
  }

  const std::string path;
  const std::string tmp_path;
  const OutputFormat format;
  HashedOutput out;
  mutable absl::Mutex mu;
  std::vector<std::vector<Chunk>> incoming ABSL_GUARDED_BY(mu);
  bool closed ABSL_GUARDED_BY(mu) = false;
  absl::Status status ABSL_GUARDED_BY(mu);
  std::thread thread;
  bool renamed = false;
  // Writer thread only (read by Finish after the join).
  uint64_t next = 1;
  bool leftover = false;
  uint64_t leftover_sequence = 0;
  OutputSummary summary;
};

void DecisionWriter::Impl::Drain(std::vector<std::deque<Chunk>>* local,
                                 std::vector<size_t>* pos) {
  bool failed = false;
  for (size_t k = 0; k < local->size();) {
    std::deque<Chunk>& q = (*local)[k];
    size_t& p = (*pos)[k];
    if (q.empty() || q.front()[p].sequence() != next) {
      ++k;
      continue;
    }
    // Emit this shard's run of consecutive sequences, then rescan.
    while (!q.empty() && q.front()[p].sequence() == next) {
      const riskflow::v1::Decision& d = q.front()[p];
      if (!failed) {
        Tally(d, &summary);
        if (format == OutputFormat::kJsonl) {
          AppendDecisionJsonLine(d, out.buffer());
        } else {
          AppendDelimited(d, out.buffer());
        }
        if (absl::Status s = out.MaybeFlush(false); !s.ok()) {
          Fail(s);
          failed = true;
        }
      }
      ++next;
      if (++p == q.front().size()) {
        q.pop_front();
        p = 0;
      }
    }
    k = 0;
  }
}

void DecisionWriter::Impl::Loop() {
  std::vector<std::deque<Chunk>> local(incoming.size());
  std::vector<size_t> pos(incoming.size(), 0);
  while (true) {
    bool done = false;
    {
      absl::MutexLock lock(&mu);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
        if (closed) return true;
        for (const auto& q : incoming) {
          if (!q.empty()) return true;
        }
        return false;
      };
      mu.Await(absl::Condition(&ready));
      for (size_t k = 0; k < incoming.size(); ++k) {
        for (Chunk& c : incoming[k]) local[k].push_back(std::move(c));
        incoming[k].clear();
      }
      done = closed;
    }
    Drain(&local, &pos);
    if (done) break;
  }
  for (size_t k = 0; k < local.size(); ++k) {
    if (!local[k].empty()) {
      leftover = true;
      leftover_sequence = local[k].front()[pos[k]].sequence();
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
  Chunk copy(d.begin(), d.end());  // outside the lock
  absl::MutexLock lock(&impl_->mu);
  if (!impl_->status.ok()) return;  // output failed: stop buffering
  impl_->incoming[shard].push_back(std::move(copy));
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
  impl_->summary.sha256 = *std::move(sha);
  if (std::rename(impl_->tmp_path.c_str(), impl_->path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot rename ", impl_->tmp_path, " to ", impl_->path, ": ",
        std::strerror(errno)));
  }
  impl_->renamed = true;
  return std::move(impl_->summary);
}

}  // namespace riskflow::replay
