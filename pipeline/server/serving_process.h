#ifndef RISKFLOW_PIPELINE_SERVER_SERVING_PROCESS_H_
#define RISKFLOW_PIPELINE_SERVER_SERVING_PROCESS_H_

namespace riskflow::server {

// Process-wide settings for a binary that serves the live engine
// (riskflowd, loadgen's in-process daemons). Call once at the start of
// main, before any thread exists.
//
// Debian's Abseil is built without NDEBUG, so every absl::Mutex
// acquisition taken while another is held records the lock order for
// deadlock detection (a global graph, with a stack trace per edge):
// ~1% of riskflowd's CPU under load (GraphCycles in perf), on the log
// writer and shard hand-offs that the ack and Evaluate latencies wait on.
// Tests keep the detection; the served binaries turn it off.
void ConfigureServingProcess();

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_SERVING_PROCESS_H_
