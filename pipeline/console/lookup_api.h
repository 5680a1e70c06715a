#ifndef RISKFLOW_PIPELINE_CONSOLE_LOOKUP_API_H_
#define RISKFLOW_PIPELINE_CONSOLE_LOOKUP_API_H_

// Customer-service look-ups in the console (issue 10, item 8), answered by
// riskflowd's Admin API: GET /api/lookup?channel=C&event=E (an event's
// decision: status, route, reasons) and GET /api/account?id=A (whether the
// account is held, by which decision).

#include "httplib.h"
#include "pipeline/console/authenticator.h"
#include "pipeline/console/riskflowd_client.h"

namespace riskflow::console {

// `client` may be null (no --target): the routes then answer 503.
void InstallLookupApi(httplib::Server* server, Authenticator* auth,
                      RiskflowdClient* client);

}  // namespace riskflow::console

#endif  // RISKFLOW_PIPELINE_CONSOLE_LOOKUP_API_H_
