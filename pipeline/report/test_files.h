// Test helper: small input files written by the tests themselves.
#ifndef RISKFLOW_PIPELINE_REPORT_TEST_FILES_H_
#define RISKFLOW_PIPELINE_REPORT_TEST_FILES_H_

#include <cstdlib>
#include <fstream>
#include <string>

namespace riskflow::report::testing {

// Writes `content` to `name` under the test's temp dir; returns the path.
inline std::string WriteTestFile(const std::string& name,
                                 const std::string& content) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return path;
}

// One decision line as `riskflow replay` writes it (DecisionToJson): proto
// field names, 64-bit integers as strings, enums by name. `annotations` is
// the JSON array body, e.g. {"detector":"velocity",...}.
inline std::string DecisionLine(const std::string& event_id,
                                const std::string& route,
                                const std::string& annotations = "",
                                const std::string& version = "v1",
                                int64_t sequence = 1,
                                int64_t time_ms = 1767225600000) {
  return "{\"decision_id\":\"wallet/" + event_id + "\",\"event_id\":\"" +
         event_id +
         "\",\"channel_id\":\"wallet\",\"account_id\":\"acct-1\","
         "\"sequence\":\"" +
         std::to_string(sequence) + "\",\"event_time_ms\":\"" +
         std::to_string(time_ms) + "\",\"routes\":[\"" + route +
         "\"],\"route\":\"" + route + "\",\"annotations\":[" + annotations +
         "],\"pipeline_version\":\"" + version + "\"}\n";
}

// One annotation object for DecisionLine.
inline std::string Annotation(const std::string& detector,
                              const std::string& reason,
                              const std::string& route) {
  return "{\"detector\":\"" + detector + "\",\"reason_code\":\"" + reason +
         "\",\"route\":\"" + route + "\"}";
}

}  // namespace riskflow::report::testing

#endif  // RISKFLOW_PIPELINE_REPORT_TEST_FILES_H_
