// peer_report.h — loadgen's side of the peer baseline: runs each peer once
// per repeat over the same batches as the daemons, keeps the per-repeat
// figures and prints medians and every mode's same-run ratio to each peer.
#ifndef RISKFLOW_TOOLS_LOADGEN_PEER_REPORT_H_
#define RISKFLOW_TOOLS_LOADGEN_PEER_REPORT_H_

#include <string>
#include <vector>

#include "proto/riskflow/v1/ingest.pb.h"
#include "tools/loadgen/peer_baseline.h"

namespace riskflow::loadgen {

class PeerSeries {
 public:
  PeerSeries(std::string name, std::string rules_text, PeerRules rules);

  // One timed run; prints its line ("run N <name> ...").
  void Run(int repeat, const std::vector<riskflow::v1::PublishRequest>& b);

  // Events/s and thread CPU per event, medians over the runs.
  double EventsPerSecond() const;
  double CpuMicrosPerEvent() const;

  // The peer's medians, what it flagged and how big its state got.
  void PrintSummary() const;
  // "<mode> / <peer> = <ratio>": decided events/s over the peer's (acked
  // for a transport-only mode), and the same by CPU per event (the peer's
  // us/event over the mode's, client included), which moves much less
  // when other work shares the machine.
  void PrintRatio(const std::string& mode, bool transport_only,
                  double acked_per_second, double decided_per_second,
                  double mode_cpu_us_per_event) const;

 private:
  std::string name_;
  std::string rules_text_;
  PeerRules rules_;
  std::vector<double> events_per_second_, cpu_us_, allocated_mb_;
  PeerRun last_;
};

// The two peers loadgen runs: the three rules, and the embedded
// default pipeline's four detectors written the same way.
std::vector<PeerSeries> LoadgenPeers();

}  // namespace riskflow::loadgen

#endif  // RISKFLOW_TOOLS_LOADGEN_PEER_REPORT_H_
