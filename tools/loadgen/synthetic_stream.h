#ifndef RISKFLOW_TOOLS_LOADGEN_SYNTHETIC_STREAM_H_
#define RISKFLOW_TOOLS_LOADGEN_SYNTHETIC_STREAM_H_

#include <cstdint>
#include <vector>

#include "proto/riskflow/v1/ingest.pb.h"

namespace riskflow::loadgen {

struct StreamShape {
  uint64_t events = 1000000;
  uint32_t batch_size = 1000;
  uint32_t accounts = 200000;
  uint64_t seed = 42;
  // Event-time spacing: the stream covers events * step_ms of event time.
  int64_t step_ms = 2;
  int64_t start_time_ms = 1767225600000;  // 2026-01-01T00:00:00Z
  // Distinct run ids keep event ids unique across runs on one data dir.
  uint32_t run = 0;
};

// Payment-like traffic: mostly PAYMENTs, some PAYOUTs and TRANSFERs and
// LOGINs, heavy-tailed amounts, CNY/USD/EUR. Built before timing starts so
// the benchmark measures the daemon, not the generator.
std::vector<riskflow::v1::PublishRequest> MakeBatches(const StreamShape& shape);

}  // namespace riskflow::loadgen

#endif  // RISKFLOW_TOOLS_LOADGEN_SYNTHETIC_STREAM_H_
