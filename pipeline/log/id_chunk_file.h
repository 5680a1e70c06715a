#ifndef RISKFLOW_PIPELINE_LOG_ID_CHUNK_FILE_H_
#define RISKFLOW_PIPELINE_LOG_ID_CHUNK_FILE_H_

// One checkpoint file of the horizon idempotency index (horizon_id_index.h):
// the ids of a dense range of log sequences.
//
//   "RFIDS001" | first u64 | count u64 | chunk_events u64 |
//   count x (fingerprint high u64, low u64, content hash u64) | CRC32C u32
//
// little endian; the CRC covers every byte before it. Written to a temp
// file and renamed (never fsynced: a torn or missing file is read again
// from the log).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pipeline/log/id_index.h"

namespace riskflow::log {

struct IdChunkRecord {
  IdFingerprint fp;
  uint64_t content_hash = 0;
};

struct IdChunkFile {
  uint64_t first = 0;
  uint64_t chunk_events = 0;
  std::vector<IdChunkRecord> entries;
};

// "<chunk id, 20 digits>.ids"
std::string IdChunkFileName(uint64_t chunk_id);
std::optional<uint64_t> ParseIdChunkFileName(const std::string& name);

absl::Status WriteIdChunkFile(const std::string& path, uint64_t first,
                              uint64_t chunk_events, const IdChunkRecord* data,
                              size_t count);
// DATA_LOSS naming the file when it is torn or not a chunk file.
absl::StatusOr<IdChunkFile> ReadIdChunkFile(const std::string& path);

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_ID_CHUNK_FILE_H_
