#include "pipeline/console/authenticator.h"

#include <openssl/crypto.h>

#include "absl/strings/str_cat.h"
#include "pipeline/console/password_hash.h"

namespace riskflow::console {

Authenticator::Authenticator(Users users, SessionOptions session_options,
                             LoginThrottle* throttle)
    : users_(std::move(users)), sessions_(session_options) {
  if (throttle == nullptr) {
    owned_throttle_ = std::make_unique<LoginThrottle>();
    throttle = owned_throttle_.get();
  }
  throttle_ = throttle;
  // Checked against for names that do not exist, at the default cost.
  absl::StatusOr<std::string> dummy = HashPassword("no-such-user-password");
  if (dummy.ok()) dummy_hash_ = *dummy;
}

absl::StatusOr<Session> Authenticator::Login(absl::string_view user,
                                             absl::string_view password,
                                             absl::Time now) {
  const absl::Duration locked = throttle_->LockedFor(user, now);
  if (locked > absl::ZeroDuration()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "too many failed logins for this user name; try again in ",
        absl::ToInt64Seconds(locked) + 1, " s"));
  }
  std::optional<User> found;
  {
    absl::MutexLock lock(&users_mu_);
    if (ValidateUserName(user).ok()) found = users_.Find(user);
  }
  const std::string& hash =
      found.has_value() ? found->password_hash : dummy_hash_;
  absl::StatusOr<bool> match = VerifyPassword(password, hash);
  if (!match.ok()) {
    // A damaged users-file entry: the operator must see it; the user gets
    // the same answer as for a wrong password.
    return absl::InternalError(absl::StrCat("users file entry for '", std::string(user),
                                            "': ", match.status().message()));
  }
  if (!found.has_value() || !*match) {
    throttle_->Failed(user, now);
    return absl::UnauthenticatedError("wrong user name or password");
  }
  throttle_->Succeeded(user);
  return sessions_.Create(found->name, found->role, now);
}

absl::StatusOr<Session> Authenticator::Check(absl::string_view token,
                                             absl::Time now) {
  if (token.empty()) {
    return absl::UnauthenticatedError("not logged in");
  }
  std::optional<Session> s = sessions_.Touch(token, now);
  if (!s.has_value()) {
    return absl::UnauthenticatedError(
        "session expired or unknown; log in again");
  }
  return *s;
}

absl::StatusOr<Session> Authenticator::Authorize(absl::string_view token,
                                                 Role need,
                                                 const std::string* csrf,
                                                 absl::Time now) {
  absl::StatusOr<Session> s = Check(token, now);
  if (!s.ok()) return s.status();
  if (csrf != nullptr &&
      (csrf->size() != s->csrf_token.size() ||
       CRYPTO_memcmp(csrf->data(), s->csrf_token.data(), csrf->size()) != 0)) {
    return absl::PermissionDeniedError(
        "missing or wrong X-CSRF-Token header (reload the page)");
  }
  if (!RoleAtLeast(s->role, need)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "this action needs the ", RoleName(need), " role; ", s->user, " is ",
        RoleName(s->role)));
  }
  return s;
}

}  // namespace riskflow::console
