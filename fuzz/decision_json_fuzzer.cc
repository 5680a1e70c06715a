// A Decision (as bytes: what a delimited decision file or a sink holds)
// printed as a JSONL line by the replay fast printer: AppendDecisionJsonLine
// must give exactly DecisionToJson's line (decision_json.h) for every
// Decision protobuf can parse, including unknown fields and enum values;
// and it must be exactly one line.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "pipeline/replay/decision_json.h"
#include "pipeline/replay/jsonl_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  riskflow::v1::Decision decision;
  if (!decision.ParseFromArray(data, static_cast<int>(size))) return 0;
  std::string fast;
  riskflow::replay::AppendDecisionJsonLine(decision, &fast);
  const std::string slow = riskflow::replay::DecisionToJson(decision) + "\n";
  FUZZ_CHECK(fast == slow, "AppendDecisionJsonLine differs from "
                           "DecisionToJson:\n  fast " +
                               riskflow::fuzz::Show(fast) + "\n  slow " +
                               riskflow::fuzz::Show(slow));
  FUZZ_CHECK(fast.find('\n') == fast.size() - 1, "line holds a newline");
  return 0;
}
