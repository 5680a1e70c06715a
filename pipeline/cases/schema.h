// The case database's schema as numbered migrations, applied at open by
// Db::Open. Never edit a released migration: add the next number.
#ifndef RISKFLOW_PIPELINE_CASES_SCHEMA_H_
#define RISKFLOW_PIPELINE_CASES_SCHEMA_H_

#include <vector>

#include "pipeline/cases/sqlite_db.h"

namespace riskflow::cases {

// All migrations of this build, 1..N.
const std::vector<Migration>& CaseMigrations();

}  // namespace riskflow::cases

#endif  // RISKFLOW_PIPELINE_CASES_SCHEMA_H_
