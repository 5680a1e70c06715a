// Small accessors over riskflow.v1.Decision for test assertions.
#ifndef RISKFLOW_TESTS_DECISIONS_H_
#define RISKFLOW_TESTS_DECISIONS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "proto/riskflow/v1/admin.pb.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::e2e {

// A JSONL decision file (riskflow replay's output) by event id; a line that
// does not parse is a test failure.
std::map<std::string, riskflow::v1::Decision> ReadDecisionsJsonl(
    const std::string& path);

std::vector<std::string> EventIds(
    const std::vector<riskflow::v1::Decision>& decisions);
// Only the decisions about `account`, in sink order.
std::vector<std::string> EventIdsOf(
    const std::vector<riskflow::v1::Decision>& decisions,
    const std::string& account);
std::vector<uint64_t> SinkSequences(
    const std::vector<riskflow::v1::Decision>& decisions);
std::vector<riskflow::v1::Route> Routes(const riskflow::v1::Decision& d);
std::vector<std::string> Detectors(const riskflow::v1::Decision& d);

// The annotation by `detector`, or nullptr.
const riskflow::v1::Annotation* FindAnnotation(const riskflow::v1::Decision& d,
                                               const std::string& detector);
// Evidence as a map (keys are unique per annotation).
std::map<std::string, std::string> EvidenceMap(
    const riskflow::v1::Annotation& a);

// What Decision.plugin_builds must hold: {detector, build_id} of every
// detector that annotated `d`, in pipeline order.
std::vector<std::pair<std::string, std::string>> ExpectedBuilds(
    const riskflow::v1::Decision& d,
    const riskflow::v1::ListPluginsResponse& plugins);
std::vector<std::pair<std::string, std::string>> Builds(
    const riskflow::v1::Decision& d);

}  // namespace riskflow::e2e

#endif  // RISKFLOW_TESTS_DECISIONS_H_
