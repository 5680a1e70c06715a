#ifndef RISKFLOW_PIPELINE_CONSOLE_SESSIONS_H_
#define RISKFLOW_PIPELINE_CONSOLE_SESSIONS_H_

// Console sessions and the login throttle, in memory: a restart of the case
// service logs everybody out, which is the safe direction.
//
// A session is a random 256-bit token (the HttpOnly cookie) plus its own
// random CSRF token, which the page reads from /api/session and sends back in
// the X-CSRF-Token header of every state-changing request. A cross-site form
// cannot read it, so it cannot forge an action (synchronizer token pattern;
// the cookie is also SameSite=Strict).

#include <cstddef>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pipeline/console/users.h"

namespace riskflow::console {

struct Session {
  std::string token;
  std::string csrf_token;
  std::string user;
  Role role = Role::kReviewer;
  absl::Time created;
  absl::Time last_used;
};

struct SessionOptions {
  absl::Duration idle_timeout = absl::Minutes(30);
  absl::Duration max_age = absl::Hours(12);
  // Past it, creating a session ends the least recently used one.
  size_t max_sessions = 10000;
};

class SessionStore {
 public:
  explicit SessionStore(SessionOptions options = {}) : options_(options) {}

  absl::StatusOr<Session> Create(absl::string_view user, Role role,
                                 absl::Time now);
  // The live session for a token (and marks it used), or nullopt when the
  // token is unknown, idle too long or too old.
  std::optional<Session> Touch(absl::string_view token, absl::Time now);
  void End(absl::string_view token);
  // Ends every session of a user (password change, user removed).
  void EndAllOf(absl::string_view user);
  size_t size();

 private:
  bool Expired(const Session& s, absl::Time now) const;

  const SessionOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
};

// Slows down password guessing: after `max_failures` failed logins for a
// user name (whether or not it exists, so the answer does not reveal which
// names do) further attempts are refused until `lockout` has passed since
// the last failure. A success clears the count.
class LoginThrottle {
 public:
  LoginThrottle(int max_failures = 5, absl::Duration lockout = absl::Minutes(5))
      : max_failures_(max_failures), lockout_(lockout) {}

  // How long the name stays locked, or zero when a login may be tried.
  absl::Duration LockedFor(absl::string_view user, absl::Time now);
  void Failed(absl::string_view user, absl::Time now);
  void Succeeded(absl::string_view user);

 private:
  struct Entry {
    int failures = 0;
    absl::Time last_failure;
  };
  // Bounds the table under a spray of made-up names.
  static constexpr size_t kMaxTracked = 100000;

  const int max_failures_;
  const absl::Duration lockout_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

// `bytes` random bytes from OpenSSL, hex-encoded.
absl::StatusOr<std::string> RandomToken(size_t bytes = 32);

}  // namespace riskflow::console

#endif  // RISKFLOW_PIPELINE_CONSOLE_SESSIONS_H_
