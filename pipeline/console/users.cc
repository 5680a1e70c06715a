#include "pipeline/console/users.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace riskflow::console {
namespace {

constexpr size_t kMaxUserName = 64;
constexpr size_t kMaxUsersFileBytes = 4 << 20;

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kReviewer:
      return "reviewer";
    case Role::kSeniorReviewer:
      return "senior_reviewer";
    case Role::kAdmin:
      return "admin";
  }
  return "reviewer";
}

absl::StatusOr<Role> ParseRole(absl::string_view text) {
  if (text == "reviewer") return Role::kReviewer;
  if (text == "senior_reviewer") return Role::kSeniorReviewer;
  if (text == "admin") return Role::kAdmin;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown role '", std::string(text), "' (reviewer, senior_reviewer or admin)"));
}

absl::Status ValidateUserName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxUserName) {
    return absl::InvalidArgumentError(absl::StrCat(
        "user name must be 1-", kMaxUserName, " bytes, got ", name.size()));
  }
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum || (i > 0 && (c == '.' || c == '_' || c == '-'))) continue;
    return absl::InvalidArgumentError(absl::StrCat(
        "user name '", absl::CHexEscape(name),
        "': only lower-case letters, digits and . _ - (not first) are "
        "allowed"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Users> Users::Load(const std::string& path) {
  Users users;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return users;
    return Errno("cannot read users file", path);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Errno("cannot read users file", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  if (text.size() > kMaxUsersFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("users file ", path, " is larger than ",
                     kMaxUsersFileBytes, " bytes"));
  }
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<absl::string_view> f = absl::StrSplit(line, absl::MaxSplits(':', 2));
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no, ": ", std::string(why)));
    };
    if (f.size() != 3) return bad("expected <name>:<role>:<hash>");
    if (absl::Status s = ValidateUserName(f[0]); !s.ok()) {
      return bad(std::string(s.message()));
    }
    absl::StatusOr<Role> role = ParseRole(f[1]);
    if (!role.ok()) return bad(std::string(role.status().message()));
    if (!absl::StartsWith(f[2], "scrypt$")) {
      return bad("the password hash is not an scrypt hash");
    }
    if (users.users_.count(f[0]) > 0) {
      return bad(absl::StrCat("user '", std::string(f[0]), "' appears twice"));
    }
    users.users_[std::string(f[0])] =
        User{std::string(f[0]), *role, std::string(f[2])};
  }
  return users;
}

absl::Status Users::Save(const std::string& path) const {
  std::string text =
      "# riskflow console users: <name>:<role>:<scrypt hash>\n";
  for (const auto& [name, user] : users_) {
    absl::StrAppend(&text, name, ":", RoleName(user.role), ":",
                    user.password_hash, "\n");
  }
  // Temp file + rename: a crash leaves the old file or the new one.
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return Errno("cannot write", tmp);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Errno("cannot write", tmp);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Errno("cannot sync", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Errno("cannot rename to", path);
  }
  return absl::OkStatus();
}

absl::Status Users::Put(User user) {
  if (absl::Status s = ValidateUserName(user.name); !s.ok()) return s;
  std::string key = user.name;
  users_[key] = std::move(user);
  return absl::OkStatus();
}

bool Users::Remove(absl::string_view name) {
  auto it = users_.find(name);
  if (it == users_.end()) return false;
  users_.erase(it);
  return true;
}

std::optional<User> Users::Find(absl::string_view name) const {
  auto it = users_.find(name);
  if (it == users_.end()) return std::nullopt;
  return it->second;
}

}  // namespace riskflow::console
