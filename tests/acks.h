// Reads PublishAcks back against the batches they answer.
#ifndef RISKFLOW_TESTS_ACKS_H_
#define RISKFLOW_TESTS_ACKS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/riskflow/v1/ingest.pb.h"

namespace riskflow::e2e {

struct AckedEvent {
  uint64_t sequence = 0;
  bool duplicate = false;
};

// event_id -> log sequence of every event the acks report durable (newly
// accepted, or a duplicate with its original sequence). Fails when an ack
// contradicts its batch (unknown batch_id, accepted count not matching
// first..last, an index out of range).
absl::StatusOr<std::map<std::string, AckedEvent>> AckedEvents(
    const std::vector<riskflow::v1::PublishRequest>& batches,
    const std::vector<riskflow::v1::PublishAck>& acks);

}  // namespace riskflow::e2e

#endif  // RISKFLOW_TESTS_ACKS_H_
