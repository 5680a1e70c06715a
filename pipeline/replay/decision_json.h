// DecisionToJson (jsonl_reader.h) at replay speed. The protobuf JSON
// printer serializes each message and walks it through a type resolver,
// about 10 us per decision: a third of a replay's time. Most replayed
// decisions are clean PASSes with a handful of plain fields, so those are
// printed directly; anything else (annotations, plugin builds, characters
// the printer would escape, unknown enum values or fields) goes through
// DecisionToJson itself. The output is byte-identical either way
// (decision_json_test holds the two together).
#ifndef RISKFLOW_PIPELINE_REPLAY_DECISION_JSON_H_
#define RISKFLOW_PIPELINE_REPLAY_DECISION_JSON_H_

#include <string>

#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow::replay {

// Appends DecisionToJson(decision) and a newline.
void AppendDecisionJsonLine(const riskflow::v1::Decision& decision,
                            std::string* out);

}  // namespace riskflow::replay

#endif  // RISKFLOW_PIPELINE_REPLAY_DECISION_JSON_H_
