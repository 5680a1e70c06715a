// Helpers for the case library's tests: temp database paths and decisions
// shaped like the ones the Sinks API delivers.
#ifndef RISKFLOW_PIPELINE_CASES_TEST_UTIL_H_
#define RISKFLOW_PIPELINE_CASES_TEST_UTIL_H_

#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::cases::testing {

// A fresh path under TEST_TMPDIR (removed first, with its WAL files).
inline std::string TempDbPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::remove(absl::StrCat(path, suffix).c_str());
  }
  return path;
}

// A decision for `account` routed to `route` by velocity_extreme (FREEZE,
// count evidence only) or large_amount (MANUAL_REVIEW, with an amount).
inline riskflow::v1::Decision FlaggedDecision(const std::string& event_id,
                                              const std::string& account,
                                              riskflow::v1::Route route,
                                              uint64_t sequence,
                                              int64_t amount_minor = -1) {
  riskflow::v1::Decision d;
  d.set_decision_id(absl::StrCat("ch/", event_id));
  d.set_event_id(event_id);
  d.set_channel_id("ch");
  d.set_account_id(account);
  d.set_sequence(sequence);
  d.set_event_time_ms(1700000000000 + static_cast<int64_t>(sequence));
  d.add_routes(route);
  d.set_route(route);
  d.set_pipeline_version("pv-1");
  riskflow::v1::PluginBuild* b = d.add_plugin_builds();
  b->set_detector(route == riskflow::v1::FREEZE ? "velocity_extreme"
                                                : "large_amount");
  b->set_build_id("build-abc");
  riskflow::v1::Annotation* a = d.add_annotations();
  a->set_detector(b->detector());
  a->set_reason_code(route == riskflow::v1::FREEZE ? "VELOCITY" : "LARGE");
  a->set_route(route);
  a->set_route_hint(route);
  riskflow::v1::Evidence* e = a->add_evidence();
  if (amount_minor >= 0) {
    e->set_key("amount_minor");
    e->set_value(absl::StrCat(amount_minor));
  } else {
    e->set_key("count");
    e->set_value("21");
  }
  d.set_sink_sequence(sequence);
  return d;
}

}  // namespace riskflow::cases::testing

#endif  // RISKFLOW_PIPELINE_CASES_TEST_UTIL_H_
