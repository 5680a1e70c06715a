#include "pipeline/state/state_spec.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace riskflow::state {

int64_t StateSpec::retention_ms() const {
  if (kind == StateKind::kLastSeen) {
    return ttl_ms > 0 ? ttl_ms : kRetainForever;
  }
  return std::max(window_ms, ttl_ms);
}

uint64_t StateId(std::string_view detector, std::string_view name) {
  constexpr uint64_t kOffsetBasis = 14695981039346656037ull;
  constexpr uint64_t kPrime = 1099511628211ull;
  uint64_t h = kOffsetBasis;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= kPrime;
  };
  for (char c : detector) mix(static_cast<unsigned char>(c));
  mix(0);  // separator, so ("ab","c") and ("a","bc") differ
  for (char c : name) mix(static_cast<unsigned char>(c));
  return h;
}

absl::StatusOr<StateSpec> MakeStateSpec(std::string_view detector,
                                        std::string_view name, StateKind kind,
                                        int64_t window_ms, int64_t bucket_ms,
                                        int64_t ttl_ms) {
  StateSpec spec;
  spec.id = StateId(detector, name);
  spec.detector = std::string(detector);
  spec.name = std::string(name);
  spec.kind = kind;
  spec.window_ms = window_ms;
  spec.bucket_ms = bucket_ms;
  spec.ttl_ms = ttl_ms;
  if (absl::Status s = ValidateStateSpec(spec); !s.ok()) return s;
  return spec;
}

absl::Status ValidateStateSpec(const StateSpec& spec) {
  const std::string who = absl::StrCat("state ", spec.detector, "/", spec.name);
  if (spec.name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(who, ": empty name"));
  }
  if (spec.id != StateId(spec.detector, spec.name)) {
    return absl::InvalidArgumentError(
        absl::StrCat(who, ": id does not match StateId(detector, name)"));
  }
  if (spec.ttl_ms < 0) {
    return absl::InvalidArgumentError(absl::StrCat(who, ": ttl_ms < 0"));
  }
  switch (spec.kind) {
    case StateKind::kCounter:
    case StateKind::kSum:
    case StateKind::kDistinct:
      if (spec.window_ms <= 0 || spec.bucket_ms <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(who, ": window_ms and bucket_ms must be > 0 (got ",
                         spec.window_ms, ", ", spec.bucket_ms, ")"));
      }
      if (spec.bucket_ms > spec.window_ms) {
        return absl::InvalidArgumentError(
            absl::StrCat(who, ": bucket_ms ", spec.bucket_ms,
                         " exceeds window_ms ", spec.window_ms));
      }
      return absl::OkStatus();
    case StateKind::kLastSeen:
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(who, ": unknown kind"));
}

}  // namespace riskflow::state
