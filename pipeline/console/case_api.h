#ifndef RISKFLOW_PIPELINE_CONSOLE_CASE_API_H_
#define RISKFLOW_PIPELINE_CONSOLE_CASE_API_H_

// The console's JSON API over the case store (docs/console.md lists every
// route). Reading needs a session; every action also needs the CSRF token,
// and the store enforces the workflow, the two-person rule and optimistic
// concurrency (a stale "version" is 409 Conflict).

#include "httplib.h"
#include "pipeline/cases/case_store.h"
#include "pipeline/console/authenticator.h"

namespace riskflow::console {

void InstallCaseApi(httplib::Server* server, Authenticator* auth,
                    cases::CaseStore* store);

}  // namespace riskflow::console

#endif  // RISKFLOW_PIPELINE_CONSOLE_CASE_API_H_
