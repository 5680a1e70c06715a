#ifndef RISKFLOW_PIPELINE_CONSOLE_AUTHENTICATOR_H_
#define RISKFLOW_PIPELINE_CONSOLE_AUTHENTICATOR_H_

// Logins for the review console: checks a password against the users file,
// throttles guessing, and hands out sessions.

#include <memory>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pipeline/console/sessions.h"
#include "pipeline/console/users.h"

namespace riskflow::console {

class Authenticator {
 public:
  Authenticator(Users users, SessionOptions session_options = {},
                LoginThrottle* throttle = nullptr);

  // UNAUTHENTICATED "wrong user name or password" for an unknown user and a
  // wrong password alike (same cost: an unknown name is checked against a
  // dummy hash, so timing does not tell names apart); RESOURCE_EXHAUSTED
  // while the name is locked out.
  absl::StatusOr<Session> Login(absl::string_view user,
                                absl::string_view password, absl::Time now);
  void Logout(absl::string_view token) { sessions_.End(token); }

  // UNAUTHENTICATED when the token is unknown or expired.
  absl::StatusOr<Session> Check(absl::string_view token, absl::Time now);
  // Check plus: PERMISSION_DENIED below `need`; for a state-changing request
  // (`csrf` non-null) the CSRF token must match the session's.
  absl::StatusOr<Session> Authorize(absl::string_view token, Role need,
                                    const std::string* csrf, absl::Time now);

  SessionStore& sessions() { return sessions_; }

 private:
  absl::Mutex users_mu_;
  Users users_ ABSL_GUARDED_BY(users_mu_);
  SessionStore sessions_;
  std::unique_ptr<LoginThrottle> owned_throttle_;
  LoginThrottle* throttle_;
  std::string dummy_hash_;
};

}  // namespace riskflow::console

#endif  // RISKFLOW_PIPELINE_CONSOLE_AUTHENTICATOR_H_
