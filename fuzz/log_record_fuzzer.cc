// A value read back from the event log's RocksDB column (log replay,
// recovery, `riskflow replay --from_log`): DecodeLogRecord must refuse
// damage with DATA_LOSS, never crash; what it accepts must re-encode to a
// record that decodes to the same watermark and Event. The sequence key
// codec is checked the same way.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "pipeline/log/logged_event.h"
#include "pipeline/storage/key_encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using riskflow::fuzz::DeterministicBytes;
  const std::string_view value(reinterpret_cast<const char*>(data), size);

  riskflow::log::LoggedEvent decoded;
  absl::Status status = riskflow::log::DecodeLogRecord(value, &decoded);
  if (!status.ok()) {
    FUZZ_CHECK(absl::IsDataLoss(status), "not DATA_LOSS: " + status.ToString());
  } else {
    std::string again =
        riskflow::log::EncodeLogRecord(decoded.watermark_ms, decoded.event);
    riskflow::log::LoggedEvent round;
    absl::Status second = riskflow::log::DecodeLogRecord(again, &round);
    FUZZ_CHECK(second.ok(), "re-encoded record fails: " + second.ToString());
    FUZZ_CHECK(round.watermark_ms == decoded.watermark_ms, "watermark changed");
    FUZZ_CHECK(DeterministicBytes(round.event) ==
                   DeterministicBytes(decoded.event),
               "event changed in a round trip");
  }

  uint64_t seq = 0;
  if (riskflow::storage::DecodeSequenceKey(value, &seq)) {
    FUZZ_CHECK(riskflow::storage::SequenceKey(seq) == value,
               "sequence key does not round-trip");
  }
  return 0;
}
