#ifndef RISKFLOW_PIPELINE_CONSOLE_CASE_JSON_H_
#define RISKFLOW_PIPELINE_CONSOLE_CASE_JSON_H_

// How the console's API spells cases, their history and their decisions in
// JSON (snake_case, integers as numbers, routes by name).

#include "pipeline/cases/case_store.h"
#include "pipeline/report/json_writer.h"

namespace riskflow::console {

void WriteCase(const cases::Case& c, report::JsonWriter* w);
void WriteCaseAction(const cases::CaseAction& a, report::JsonWriter* w);
void WriteDecision(const riskflow::v1::Decision& d, report::JsonWriter* w);
void WriteAuditEntry(const cases::AuditEntry& e, report::JsonWriter* w);

}  // namespace riskflow::console

#endif  // RISKFLOW_PIPELINE_CONSOLE_CASE_JSON_H_
