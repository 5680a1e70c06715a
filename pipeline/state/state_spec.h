#ifndef RISKFLOW_PIPELINE_STATE_STATE_SPEC_H_
#define RISKFLOW_PIPELINE_STATE_STATE_SPEC_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace riskflow::state {

enum class StateKind { kCounter, kSum, kDistinct, kLastSeen };

// retention_ms() of a state that never expires (last-seen without a TTL).
inline constexpr int64_t kRetainForever = std::numeric_limits<int64_t>::max();

// A state a detector declared at init. The id is both the lookup key of the
// state's retention rule and the first 8 bytes of every key it owns.
struct StateSpec {
  uint64_t id = 0;  // StateId(detector, name)
  std::string detector, name;
  StateKind kind = StateKind::kCounter;
  int64_t window_ms = 0, bucket_ms = 0, ttl_ms = 0;

  // How long data must be kept behind the expiry clock: max(window, ttl) for
  // windowed kinds (ttl 0 means "the window"), ttl for last-seen, and
  // kRetainForever for last-seen without a ttl. The allowed-lateness slack is
  // the caller's business (the expiry clock it feeds already lags by it).
  int64_t retention_ms() const;

  bool windowed() const { return kind != StateKind::kLastSeen; }
};

// Stable 64-bit id: FNV-1a over "detector\0name". Stable across builds and
// machines because it is part of the on-disk key.
uint64_t StateId(std::string_view detector, std::string_view name);

// Builds a validated spec with its id filled in. Last-seen ignores window and
// bucket (pass 0).
absl::StatusOr<StateSpec> MakeStateSpec(std::string_view detector,
                                        std::string_view name, StateKind kind,
                                        int64_t window_ms, int64_t bucket_ms,
                                        int64_t ttl_ms);

// Checks the shape of a spec (positive window and bucket for windowed kinds,
// bucket <= window, non-negative ttl, id matching detector/name).
absl::Status ValidateStateSpec(const StateSpec& spec);

// floor(t / bucket_ms), a true floor for negative times so that buckets
// tile the time line without a double-width bucket around zero.
inline int64_t BucketOf(int64_t t, int64_t bucket_ms) {
  int64_t q = t / bucket_ms;
  if ((t % bucket_ms != 0) && ((t < 0) != (bucket_ms < 0))) --q;
  return q;
}

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_STATE_SPEC_H_
