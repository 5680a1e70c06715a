#include "pipeline/server/auth/policy.h"

#include "absl/strings/str_join.h"

namespace riskflow::server::auth {

std::string Grants::RoleNames() const {
  std::vector<std::string> roles;
  if (!channels.empty()) roles.push_back("ingest");
  if (!consumers.empty()) roles.push_back("consumer");
  if (admin) roles.push_back("admin");
  if (reader) roles.push_back("reader");
  if (roles.empty()) return "no role";
  return absl::StrJoin(roles, ", ");
}

const Grants* Policy::Find(absl::string_view identity) const {
  auto it = identities.find(identity);
  return it == identities.end() ? nullptr : &it->second;
}

}  // namespace riskflow::server::auth
