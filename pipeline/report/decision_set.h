// Decisions held for analysis: a compact, read-only copy of a replay's
// output, indexed by decision_id.
//
// A replay of a busy day is ~10M decisions. A riskflow.v1.Decision proto
// costs a kilobyte or more in memory, so only what the analyses read is
// kept: one fixed-size record per decision, the ids packed into one arena,
// and (detector, reason_code) pairs interned into small integer ids. The
// per-decision cost is ~50 bytes plus the id plus 8 bytes per annotation.
#ifndef RISKFLOW_PIPELINE_REPORT_DECISION_SET_H_
#define RISKFLOW_PIPELINE_REPORT_DECISION_SET_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::report {

// Route values are the riskflow.v1.Route numbers; 8 bits is plenty and
// lets a decision's sink set be one byte (bit r set for route r).
using RouteId = uint8_t;
inline constexpr int kMaxRouteId = 7;

// Routes in severity order, most severe first, for tables and charts.
inline constexpr RouteId kRoutesBySeverity[] = {
    riskflow::v1::FREEZE, riskflow::v1::MANUAL_REVIEW, riskflow::v1::NOTIFY,
    riskflow::v1::PASS};

// Debian's Abseil has its own string_view, distinct from std::string_view;
// this bridges the two for absl::StrCat and friends.
inline absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// "FREEZE", ...; "ROUTE_<n>" for numbers this build does not know.
std::string RouteLabel(int route);

// True for a route that sends the event to a sink (not PASS, not unset).
inline bool IsFlaggingRoute(int route) {
  return route != riskflow::v1::PASS &&
         route != riskflow::v1::ROUTE_UNSPECIFIED;
}

// One annotation as the analyses see it.
struct AnnotationRef {
  uint32_t reason = 0;  // id in the set's ReasonTable
  RouteId route = 0;
  RouteId suppressed_route = 0;
  bool degraded = false;
};

struct DecisionRecord {
  uint64_t id_offset = 0;  // into the id arena
  uint64_t sequence = 0;
  int64_t event_time_ms = 0;
  uint32_t first_annotation = 0;
  uint16_t id_length = 0;
  uint16_t annotation_count = 0;
  RouteId route = 0;        // the most severe route
  uint8_t routes_mask = 0;  // every sink, bit r for route r
  bool late = false;
};

// Interns detector names and (detector, reason_code) pairs. Ids are dense
// and assigned in first-seen order, so they are stable for one input.
class ReasonTable {
 public:
  uint32_t Intern(std::string_view detector, std::string_view reason_code);
  std::optional<uint32_t> Find(std::string_view detector,
                               std::string_view reason_code) const;

  size_t size() const { return reasons_.size(); }
  size_t detector_count() const { return detectors_.size(); }
  uint32_t detector_of(uint32_t reason) const { return reasons_[reason].first; }
  const std::string& detector_name(uint32_t detector) const {
    return detectors_[detector];
  }
  const std::string& reason_code(uint32_t reason) const {
    return reasons_[reason].second;
  }
  // "velocity:VELOCITY", or just the detector when the code is empty.
  std::string Label(uint32_t reason) const;

 private:
  std::vector<std::string> detectors_;
  absl::flat_hash_map<std::string, uint32_t> detector_ids_;
  std::vector<std::pair<uint32_t, std::string>> reasons_;
  absl::flat_hash_map<std::pair<uint32_t, std::string>, uint32_t> reason_ids_;
};

class DecisionSet {
 public:
  DecisionSet();
  DecisionSet(DecisionSet&&) = default;
  DecisionSet& operator=(DecisionSet&&) = default;

  // Copies what the analyses need. An empty decision_id is derived as
  // "<channel_id>/<event_id>"; with neither it is InvalidArgument. A repeated
  // id is AlreadyExists and the first copy is kept: a replay writes one
  // decision per event, so a repeat means concatenated or re-run output.
  absl::Status Add(const riskflow::v1::Decision& decision);

  size_t size() const { return storage_->records.size(); }
  const DecisionRecord& record(size_t index) const {
    return storage_->records[index];
  }
  std::string_view id(size_t index) const;
  absl::Span<const AnnotationRef> annotations(size_t index) const;
  // Index of the decision with this id, if any.
  std::optional<size_t> Find(std::string_view decision_id) const;

  const ReasonTable& reasons() const { return reasons_; }

  // Where the decisions came from ("champion.jsonl"), for messages.
  const std::string& source() const { return source_; }
  void set_source(std::string source) { source_ = std::move(source); }
  // Repeated decision_ids the loader dropped (see Add).
  int64_t duplicates() const { return duplicates_; }
  void set_duplicates(int64_t duplicates) { duplicates_ = duplicates; }
  // Distinct pipeline_version values in first-seen order.
  const std::vector<std::string>& pipeline_versions() const {
    return pipeline_versions_;
  }

 private:
  // Records and ids live behind a pointer so the index's hash and equality
  // functors, which read them, stay valid when the set is moved.
  struct Storage {
    std::string arena;
    std::vector<DecisionRecord> records;
    std::string_view IdAt(uint32_t index) const {
      const DecisionRecord& r = records[index];
      return std::string_view(arena.data() + r.id_offset, r.id_length);
    }
  };
  struct IdHash {
    using is_transparent = void;
    const Storage* storage;
    size_t operator()(uint32_t index) const {
      return (*this)(storage->IdAt(index));
    }
    size_t operator()(std::string_view id) const;
  };
  struct IdEq {
    using is_transparent = void;
    const Storage* storage;
    std::string_view View(uint32_t index) const { return storage->IdAt(index); }
    std::string_view View(std::string_view id) const { return id; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return View(a) == View(b);
    }
  };

  std::unique_ptr<Storage> storage_;
  // Holds record indices only (4 bytes a slot), looked up by id string.
  absl::flat_hash_set<uint32_t, IdHash, IdEq> index_;
  std::vector<AnnotationRef> annotations_;
  ReasonTable reasons_;
  std::string source_;
  int64_t duplicates_ = 0;
  std::vector<std::string> pipeline_versions_;
};

}  // namespace riskflow::report

#endif  // RISKFLOW_PIPELINE_REPORT_DECISION_SET_H_
