#include "pipeline/server/auth/caller.h"

#include <memory>
#include <vector>

#include "grpcpp/security/auth_context.h"

namespace riskflow::server::auth {
namespace {

std::string First(const grpc::AuthContext& auth, const char* property) {
  std::vector<grpc::string_ref> values = auth.FindPropertyValues(property);
  for (const grpc::string_ref& v : values) {
    if (v.size() > 0) return std::string(v.data(), v.size());
  }
  return "";
}

}  // namespace

Principal CallerOf(const Authorizer& authorizer,
                   const grpc::ServerContextBase& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  // IsPeerAuthenticated is true only when the server required and verified
  // a client certificate; a TLS peer without one stays anonymous.
  if (auth == nullptr || !auth->IsPeerAuthenticated()) {
    return authorizer.Resolve(kLocalIdentity, /*authenticated=*/false);
  }
  std::string identity = First(*auth, "x509_common_name");
  if (identity.empty()) identity = First(*auth, "x509_subject_alternative_name");
  if (identity.empty()) {
    // A verified certificate that names nobody: authenticated, but no
    // policy entry can match it.
    return authorizer.Resolve("(certificate without CN or SAN)", true);
  }
  return authorizer.Resolve(std::move(identity), /*authenticated=*/true);
}

}  // namespace riskflow::server::auth
