#include "tests/acks.h"

#include <set>

#include "absl/strings/str_cat.h"

namespace riskflow::e2e {

absl::StatusOr<std::map<std::string, AckedEvent>> AckedEvents(
    const std::vector<riskflow::v1::PublishRequest>& batches,
    const std::vector<riskflow::v1::PublishAck>& acks) {
  std::map<uint64_t, const riskflow::v1::PublishRequest*> by_id;
  for (const auto& b : batches) by_id[b.batch_id()] = &b;
  std::map<std::string, AckedEvent> out;
  for (const riskflow::v1::PublishAck& ack : acks) {
    auto it = by_id.find(ack.batch_id());
    if (it == by_id.end()) {
      return absl::InternalError(
          absl::StrCat("ack for unknown batch ", ack.batch_id()));
    }
    const riskflow::v1::PublishRequest& batch = *it->second;
    if (!ack.batch_error().empty()) continue;
    std::set<uint32_t> skip;
    for (const auto& e : ack.errors()) skip.insert(e.index());
    for (const auto& d : ack.duplicates()) {
      if (d.index() >= static_cast<uint32_t>(batch.events_size()) ||
          batch.events(d.index()).event_id() != d.event_id()) {
        return absl::InternalError(
            absl::StrCat("batch ", ack.batch_id(), ": duplicate index ",
                         d.index(), " does not name ", d.event_id()));
      }
      skip.insert(d.index());
      out[d.event_id()] = AckedEvent{d.original_sequence(), true};
    }
    uint64_t next = ack.first_sequence();
    uint32_t accepted = 0;
    for (int i = 0; i < batch.events_size(); ++i) {
      if (skip.count(i) > 0) continue;
      out[batch.events(i).event_id()] = AckedEvent{next++, false};
      ++accepted;
    }
    if (accepted != ack.accepted() ||
        (accepted > 0 && next - 1 != ack.last_sequence())) {
      return absl::InternalError(absl::StrCat(
          "batch ", ack.batch_id(), ": ", accepted,
          " events not reported as errors or duplicates, but the ack says ",
          ack.accepted(), " accepted as ", ack.first_sequence(), "..",
          ack.last_sequence()));
    }
  }
  return out;
}

}  // namespace riskflow::e2e
