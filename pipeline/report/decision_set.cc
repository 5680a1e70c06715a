#include "pipeline/report/decision_set.h"

#include <limits>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace riskflow::report {

std::string RouteLabel(int route) {
  if (riskflow::v1::Route_IsValid(route)) {
    return riskflow::v1::Route_Name(static_cast<riskflow::v1::Route>(route));
  }
  return absl::StrCat("ROUTE_", route);
}

uint32_t ReasonTable::Intern(std::string_view detector,
                             std::string_view reason_code) {
  std::string detector_key(detector);
  auto [it, inserted] = detector_ids_.try_emplace(
      detector_key, static_cast<uint32_t>(detectors_.size()));
  if (inserted) detectors_.push_back(detector_key);
  std::pair<uint32_t, std::string> key(it->second, std::string(reason_code));
  auto [reason_it, new_reason] =
      reason_ids_.try_emplace(key, static_cast<uint32_t>(reasons_.size()));
  if (new_reason) reasons_.push_back(std::move(key));
  return reason_it->second;
}

std::optional<uint32_t> ReasonTable::Find(std::string_view detector,
                                          std::string_view reason_code) const {
  auto detector_it = detector_ids_.find(std::string(detector));
  if (detector_it == detector_ids_.end()) return std::nullopt;
  auto it = reason_ids_.find(
      std::make_pair(detector_it->second, std::string(reason_code)));
  if (it == reason_ids_.end()) return std::nullopt;
  return it->second;
}

std::string ReasonTable::Label(uint32_t reason) const {
  const auto& [detector, code] = reasons_[reason];
  if (code.empty()) return detectors_[detector];
  return absl::StrCat(detectors_[detector], ":", code);
}

size_t DecisionSet::IdHash::operator()(std::string_view id) const {
  return absl::Hash<absl::string_view>()(AsAbsl(id));
}

DecisionSet::DecisionSet()
    : storage_(std::make_unique<Storage>()),
      index_(0, IdHash{storage_.get()}, IdEq{storage_.get()}) {}

std::string_view DecisionSet::id(size_t index) const {
  return storage_->IdAt(static_cast<uint32_t>(index));
}

absl::Span<const AnnotationRef> DecisionSet::annotations(size_t index) const {
  const DecisionRecord& r = storage_->records[index];
  return absl::MakeConstSpan(annotations_.data() + r.first_annotation,
                             r.annotation_count);
}

std::optional<size_t> DecisionSet::Find(std::string_view decision_id) const {
  auto it = index_.find(decision_id);
  if (it == index_.end()) return std::nullopt;
  return *it;
}

absl::Status DecisionSet::Add(const riskflow::v1::Decision& decision) {
  std::string derived;
  std::string_view id = decision.decision_id();
  if (id.empty()) {
    if (decision.event_id().empty()) {
      return absl::InvalidArgumentError(
          "decision has neither decision_id nor event_id");
    }
    derived = absl::StrCat(decision.channel_id(), "/", decision.event_id());
    id = derived;
  }
  if (id.size() > std::numeric_limits<uint16_t>::max()) {
    return absl::InvalidArgumentError(
        absl::StrCat("decision_id is ", id.size(), " bytes long"));
  }
  if (index_.contains(id)) {
    return absl::AlreadyExistsError(
        absl::StrCat("repeated decision_id \"", AsAbsl(id), "\""));
  }
  if (decision.annotations_size() > std::numeric_limits<uint16_t>::max() ||
      storage_->records.size() >= std::numeric_limits<uint32_t>::max()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "decision \"", AsAbsl(id), "\" does not fit the compact form"));
  }

  DecisionRecord record;
  record.id_offset = storage_->arena.size();
  record.id_length = static_cast<uint16_t>(id.size());
  record.sequence = decision.sequence();
  record.event_time_ms = decision.event_time_ms();
  record.late = decision.late();
  record.first_annotation = static_cast<uint32_t>(annotations_.size());
  record.annotation_count = static_cast<uint16_t>(decision.annotations_size());
  record.route = static_cast<RouteId>(
      decision.route() <= kMaxRouteId ? decision.route() : 0);
  for (int route : decision.routes()) {
    if (route >= 0 && route <= kMaxRouteId) record.routes_mask |= 1u << route;
  }
  // Older writers set only `route`; a decision always reaches its route.
  if (record.routes_mask == 0 && record.route != 0) {
    record.routes_mask = 1u << record.route;
  }
  if (record.route == 0 && record.routes_mask != 0) {
    // Only `routes` was set: the most severe one is the highest number.
    for (int r = kMaxRouteId; r > 0; --r) {
      if (record.routes_mask & (1u << r)) {
        record.route = static_cast<RouteId>(r);
        break;
      }
    }
  }
  for (const riskflow::v1::Annotation& a : decision.annotations()) {
    AnnotationRef ref;
    ref.reason = reasons_.Intern(a.detector(), a.reason_code());
    ref.route = static_cast<RouteId>(a.route() <= kMaxRouteId ? a.route() : 0);
    ref.suppressed_route = static_cast<RouteId>(
        a.suppressed_route() <= kMaxRouteId ? a.suppressed_route() : 0);
    ref.degraded = a.degraded();
    annotations_.push_back(ref);
  }
  const std::string& version = decision.pipeline_version();
  if (!version.empty() &&
      (pipeline_versions_.empty() || pipeline_versions_.back() != version)) {
    bool seen = false;
    for (const std::string& v : pipeline_versions_) seen |= v == version;
    if (!seen) pipeline_versions_.push_back(version);
  }

  storage_->arena.append(id.data(), id.size());
  storage_->records.push_back(record);
  index_.insert(static_cast<uint32_t>(storage_->records.size() - 1));
  return absl::OkStatus();
}

}  // namespace riskflow::report
