#ifndef RISKFLOW_PIPELINE_CONSOLE_USERS_H_
#define RISKFLOW_PIPELINE_CONSOLE_USERS_H_

// The console's reviewers: a small text file, one user per line,
//   <name>:<role>:<scrypt hash>        (# comments and blank lines allowed)
// like an htpasswd file. Written by `riskflow-cases users add` (0600,
// written to a temp file and renamed), read at start.

#include <map>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace riskflow::console {

enum class Role { kReviewer = 1, kSeniorReviewer = 2, kAdmin = 3 };

// "reviewer", "senior_reviewer", "admin".
const char* RoleName(Role role);
absl::StatusOr<Role> ParseRole(absl::string_view text);
// Roles are ordered: an admin may do what a senior reviewer may, and so on.
inline bool RoleAtLeast(Role have, Role need) {
  return static_cast<int>(have) >= static_cast<int>(need);
}

// 1-64 bytes of [a-z0-9._-], starting with a letter or digit: it shows in
// audit entries and case histories, so no spaces, case games or markup.
absl::Status ValidateUserName(absl::string_view name);

struct User {
  std::string name;
  Role role = Role::kReviewer;
  std::string password_hash;
};

class Users {
 public:
  // A missing file is an empty directory (nobody can log in); a malformed
  // line is an error naming the file and line.
  static absl::StatusOr<Users> Load(const std::string& path);
  absl::Status Save(const std::string& path) const;

  // Replaces an existing user of that name.
  absl::Status Put(User user);
  bool Remove(absl::string_view name);
  std::optional<User> Find(absl::string_view name) const;
  size_t size() const { return users_.size(); }
  const std::map<std::string, User, std::less<>>& all() const {
    return users_;
  }

 private:
  std::map<std::string, User, std::less<>> users_;
};

}  // namespace riskflow::console

#endif  // RISKFLOW_PIPELINE_CONSOLE_USERS_H_
