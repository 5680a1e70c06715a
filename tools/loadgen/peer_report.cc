#include "tools/loadgen/peer_report.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "tools/loadgen/process_memory.h"

namespace riskflow::loadgen {
namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}


}  // namespace

PeerSeries::PeerSeries(std::string name, std::string rules_text,
                       PeerRules rules)
    : name_(std::move(name)),
      rules_text_(std::move(rules_text)),
      rules_(std::move(rules)) {}

void PeerSeries::Run(int repeat,
                     const std::vector<riskflow::v1::PublishRequest>& b) {
  last_ = TimePeerBaseline(b, rules_);
  const double cpu_us =
      last_.cpu_seconds * 1e6 /
      static_cast<double>(std::max<uint64_t>(last_.counts.events, 1));
  events_per_second_.push_back(last_.events_per_second);
  cpu_us_.push_back(cpu_us);
  if (last_.allocated_growth.has_value()) {
    allocated_mb_.push_back(*last_.allocated_growth / 1048576.0);
  }
  std::printf("run %d %-20s rules   %9.0f ev/s  (%.3f s)            cpu "
              "%6.2f us/ev, allocated %s MB\n",
              repeat, name_.c_str(), last_.events_per_second, last_.seconds,
              cpu_us, MbText(last_.allocated_growth).c_str());
}

double PeerSeries::EventsPerSecond() const {
  return Median(events_per_second_);
}

double PeerSeries::CpuMicrosPerEvent() const { return Median(cpu_us_); }

void PeerSeries::PrintSummary() const {
  const PeerCounts& c = last_.counts;
  std::printf(
      "%s (1 thread, flat_hash_map; %s): %.0f ev/s, cpu %.2f us/event "
      "(medians); flagged %llu of %llu events (velocity %llu, large %llu, "
      "duplicate %llu); state %+.1f MB allocated for %zu accounts and %zu "
      "payout keys\n",
      name_.c_str(), rules_text_.c_str(), EventsPerSecond(),
      CpuMicrosPerEvent(), static_cast<unsigned long long>(c.flagged),
      static_cast<unsigned long long>(c.events),
      static_cast<unsigned long long>(c.velocity),
      static_cast<unsigned long long>(c.large),
      static_cast<unsigned long long>(c.duplicate), Median(allocated_mb_),
      last_.accounts, last_.payout_keys);
}

void PeerSeries::PrintRatio(const std::string& mode, bool transport_only,
                            double acked_per_second,
                            double decided_per_second,
                            double mode_cpu_us_per_event) const {
  const double peer = EventsPerSecond();
  const double by_cpu = mode_cpu_us_per_event > 0
                            ? CpuMicrosPerEvent() / mode_cpu_us_per_event
                            : 0;
  if (transport_only) {
    std::printf("  %s / %s = %.3f (acked; by cpu/event %.3f)\n", mode.c_str(),
                name_.c_str(), acked_per_second / peer, by_cpu);
  } else {
    std::printf("  %s / %s = %.3f (decided; acked %.3f; by cpu/event %.3f)\n",
                mode.c_str(), name_.c_str(), decided_per_second / peer,
                acked_per_second / peer, by_cpu);
  }
}

std::vector<PeerSeries> LoadgenPeers() {
  std::vector<PeerSeries> peers;
  peers.emplace_back("in-memory peer",
                     ">10 PAYOUTs/60 s, PAYOUT >= 100,000 CNY, duplicate "
                     "PAYOUT within 10 min",
                     PeerRules::Issue());
  peers.emplace_back("peer, default rules",
                     ">5 and >20 PAYMENT/PAYOUT/TRANSFER per 60 s, large "
                     "and duplicate PAYOUT",
                     PeerRules::DefaultPipeline());
  return peers;
}

}  // namespace riskflow::loadgen
