// peer_baseline.h — the in-memory limit loadgen compares riskflow with: the
// issue's three rules (more than 10 PAYOUTs in 60 s per account; a PAYOUT of
// at least 100,000 CNY; the same account + counterparty + amount again
// within 10 min) over the very same pre-built stream, in one thread, with
// absl::flat_hash_map state and nothing else (no log, no durability, no
// plugins, no decisions delivered). What a hand-written single-purpose
// program on this machine reaches; riskflow's figures are printed as a
// ratio to it (docs/benchmarks-peer.md).
#ifndef RISKFLOW_TOOLS_LOADGEN_PEER_BASELINE_H_
#define RISKFLOW_TOOLS_LOADGEN_PEER_BASELINE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "proto/riskflow/v1/event.pb.h"
#include "proto/riskflow/v1/ingest.pb.h"

namespace riskflow::loadgen {

// The rules' parameters; the defaults are the issue's three rules. Windows
// are half-open, (t - window, t]: an event exactly `window` older than t is
// outside.
struct PeerRules {
  // More than a limit of `velocity_types` events of one account within the
  // window (the current one included) flags the current one. Each limit is
  // a rule of its own (the default pipeline has two, >5 and >20 per
  // minute); they share one per-account history.
  std::vector<riskflow::v1::EventType> velocity_types = {
      riskflow::v1::PAYOUT};
  int64_t velocity_window_ms = 60 * 1000;
  std::vector<int> velocity_max = {10};
  // A PAYOUT at or above its currency's threshold (minor units). The
  // default pipeline's large_payout table: 100,000 CNY and "about the
  // same" in USD and EUR; other currencies are not checked, as there.
  std::vector<std::pair<std::string, int64_t>> large_thresholds_minor = {
      {"CNY", 10000000}, {"USD", 1500000}, {"EUR", 1300000}};
  // A PAYOUT with the account, counterparty, currency and amount of an
  // earlier PAYOUT less than the window before it.
  int64_t duplicate_window_ms = 10 * 60 * 1000;

  // The issue's three rules (the defaults above).
  static PeerRules Issue() { return PeerRules(); }
  // What the embedded default pipeline checks (pipeline/config/
  // default_pipeline.yaml): velocity_burst (>5) and velocity_extreme (>20)
  // PAYMENTs, PAYOUTs and TRANSFERs per account per minute, large_payout
  // and duplicate_payout, with exact half-open windows (the plugins count
  // in 1 s buckets; duplicate_payout still includes exactly 600 s).
  static PeerRules DefaultPipeline();
};

// Which rules fired for one event (bits of PeerBaseline::OnEvent's result).
enum PeerRule : uint32_t {
  kPeerVelocity = 1,
  kPeerLarge = 2,
  kPeerDuplicate = 4,
};

struct PeerCounts {
  uint64_t events = 0;
  uint64_t flagged = 0;  // events at least one rule fired on
  uint64_t velocity = 0;
  uint64_t large = 0;
  uint64_t duplicate = 0;
};

// Single-threaded rule state. Events are expected in event-time order per
// account (loadgen's stream is); an event older than the account's latest
// counted event is evaluated as if it happened at that latest time, so
// state never goes back in time.
class PeerBaseline {
 public:
  explicit PeerBaseline(PeerRules rules = PeerRules());

  // Applies the rules to `event`, updates the state and the counts, and
  // returns the PeerRule bits that fired (0: none).
  uint32_t OnEvent(const riskflow::v1::Event& event);

  const PeerCounts& counts() const { return counts_; }
  size_t accounts() const { return accounts_.size(); }
  size_t payout_keys() const { return last_payout_.size(); }

 private:
  // The last max(velocity_max) counted times of one account, a ring: the
  // count in (t - window, t] exceeds a limit L exactly when the L-th
  // previous time is inside the window, so nothing older is kept.
  struct Account {
    std::vector<int64_t> ring;
    uint32_t next = 0;  // where the next time goes once the ring is full
    int64_t latest = INT64_MIN;
  };

  bool Counted(riskflow::v1::EventType type) const;

  PeerRules rules_;
  size_t history_ = 0;  // ring capacity: the largest velocity limit
  PeerCounts counts_;
  absl::flat_hash_map<std::string, Account> accounts_;
  // account|counterparty|currency|amount (length-prefixed) -> last time.
  absl::flat_hash_map<std::string, int64_t> last_payout_;
  std::string key_;  // reused, so a lookup of a seen key allocates nothing
};

// Runs a fresh PeerBaseline over every event of `batches` in order.
PeerCounts RunPeerBaseline(
    const std::vector<riskflow::v1::PublishRequest>& batches,
    const PeerRules& rules = PeerRules());

// One timed run for loadgen: the counts, the events/s of the rule loop
// alone (freeing the state afterwards is not timed), how much its state
// holds once the stream is through, and its size.
struct PeerRun {
  PeerCounts counts;
  double seconds = 0;
  double events_per_second = 0;
  // CPU time of the rule loop's thread: unlike events/s it hardly moves
  // when other work shares the machine.
  double cpu_seconds = 0;
  // Bytes, may be negative; empty when not measurable (no jemalloc, no
  // /proc).
  std::optional<int64_t> allocated_growth;
  std::optional<int64_t> rss_growth;
  size_t accounts = 0;            // accounts with a counted event
  size_t payout_keys = 0;         // distinct duplicate keys
};
PeerRun TimePeerBaseline(
    const std::vector<riskflow::v1::PublishRequest>& batches,
    const PeerRules& rules = PeerRules());

}  // namespace riskflow::loadgen

#endif  // RISKFLOW_TOOLS_LOADGEN_PEER_BASELINE_H_
