#include "pipeline/console/sessions.h"

#include <openssl/rand.h>

#include <algorithm>

#include "absl/strings/escaping.h"

namespace riskflow::console {

absl::StatusOr<std::string> RandomToken(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()),
                 static_cast<int>(raw.size())) != 1) {
    return absl::InternalError("no random bytes for a token (OpenSSL RAND)");
  }
  return absl::BytesToHexString(raw);
}

bool SessionStore::Expired(const Session& s, absl::Time now) const {
  return now - s.last_used > options_.idle_timeout ||
         now - s.created > options_.max_age;
}

absl::StatusOr<Session> SessionStore::Create(absl::string_view user, Role role,
                                             absl::Time now) {
  absl::StatusOr<std::string> token = RandomToken();
  if (!token.ok()) return token.status();
  absl::StatusOr<std::string> csrf = RandomToken();
  if (!csrf.ok()) return csrf.status();
  Session s{*token, *csrf, std::string(user), role, now, now};
  absl::MutexLock lock(&mu_);
  if (sessions_.size() >= options_.max_sessions) {
    // Expired ones first; then the least recently used.
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (Expired(it->second, now)) {
        sessions_.erase(it++);
      } else {
        ++it;
      }
    }
    while (sessions_.size() >= options_.max_sessions) {
      auto oldest = std::min_element(
          sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
            return a.second.last_used < b.second.last_used;
          });
      sessions_.erase(oldest);
    }
  }
  sessions_[s.token] = s;
  return s;
}

std::optional<Session> SessionStore::Touch(absl::string_view token,
                                           absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(token);
  if (it == sessions_.end()) return std::nullopt;
  if (Expired(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used = now;
  return it->second;
}

void SessionStore::End(absl::string_view token) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(token);
  if (it != sessions_.end()) sessions_.erase(it);
}

void SessionStore::EndAllOf(absl::string_view user) {
  absl::MutexLock lock(&mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.user == user) {
      sessions_.erase(it++);
    } else {
      ++it;
    }
  }
}

size_t SessionStore::size() {
  absl::MutexLock lock(&mu_);
  return sessions_.size();
}

absl::Duration LoginThrottle::LockedFor(absl::string_view user,
                                        absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(user);
  if (it == entries_.end() || it->second.failures < max_failures_) {
    return absl::ZeroDuration();
  }
  const absl::Duration left = it->second.last_failure + lockout_ - now;
  if (left <= absl::ZeroDuration()) {
    entries_.erase(it);
    return absl::ZeroDuration();
  }
  return left;
}

void LoginThrottle::Failed(absl::string_view user, absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (entries_.size() >= kMaxTracked && entries_.find(user) == entries_.end()) {
    // Drop entries whose lockout has passed; if a spray keeps the table
    // full, start over rather than grow without bound.
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (now - it->second.last_failure > lockout_) {
        entries_.erase(it++);
      } else {
        ++it;
      }
    }
    if (entries_.size() >= kMaxTracked) entries_.clear();
  }
  Entry& e = entries_[std::string(user)];
  ++e.failures;
  e.last_failure = now;
}

void LoginThrottle::Succeeded(absl::string_view user) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(user);
  if (it != entries_.end()) entries_.erase(it);
}

}  // namespace riskflow::console
