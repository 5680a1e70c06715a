#ifndef RISKFLOW_PIPELINE_CONSOLE_HTTP_AUTH_H_
#define RISKFLOW_PIPELINE_CONSOLE_HTTP_AUTH_H_

// The console's HTTP plumbing that every page and API route shares: JSON
// errors with the right status code, the session cookie, the CSRF check,
// login/logout/session routes and the security headers.

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "httplib.h"
#include "pipeline/console/authenticator.h"

namespace riskflow::console {

inline constexpr char kSessionCookie[] = "rf_session";
inline constexpr char kCsrfHeader[] = "X-CSRF-Token";

// 400 / 401 / 403 / 404 / 409 / 429 / 500 ... for a status code.
int HttpStatusFor(const absl::Status& status);
// {"error": "<message>", "code": "<STATUS_CODE>"}. Internal errors are
// logged and answered with a generic message: their text may name files.
void SendError(const absl::Status& status, httplib::Response* res);
void SendJson(std::string body, httplib::Response* res);

// The value of cookie `name` in the request's Cookie header, or "".
std::string CookieValue(const httplib::Request& req, absl::string_view name);

// The caller's session with at least role `need`. Requests that can change
// something (any method but GET/HEAD) must carry the session's CSRF token in
// the X-CSRF-Token header.
absl::StatusOr<Session> RequireSession(const httplib::Request& req,
                                       Authenticator* auth, Role need);

struct HttpAuthOptions {
  // Adds "Secure" to the cookie: set it whenever the console is served over
  // TLS (behind a proxy).
  bool secure_cookie = false;
};

// POST /api/login {"user","password"} -> sets the cookie, returns
//   {"user","role","csrf_token"};
// POST /api/logout; GET /api/session -> {"user","role","csrf_token"}.
// Also installs the security headers on every response.
void InstallAuthRoutes(httplib::Server* server, Authenticator* auth,
                       const HttpAuthOptions& options = {});

}  // namespace riskflow::console

#endif  // RISKFLOW_PIPELINE_CONSOLE_HTTP_AUTH_H_
