// The start-up rules; the handshakes themselves are tested end to end in
// tests/tls_auth_test.cc with certificates from tools/certs.sh.
#include "pipeline/server/auth/server_security.h"

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riskflow::server::auth {
namespace {

using ::testing::HasSubstr;

std::string Message(absl::string_view listen, const SecurityOptions& o) {
  absl::StatusOr<ServerSecurity> s = SetUpServerSecurity(listen, o);
  return s.ok() ? "ok" : std::string(s.status().message());
}

TEST(ServerSecurityTest, LoopbackPlaintextIsDevMode) {
  absl::StatusOr<ServerSecurity> s =
      SetUpServerSecurity("127.0.0.1:0", SecurityOptions());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(s->authorizer->enforcing());
  EXPECT_TRUE(s->warnings.empty());
}

TEST(ServerSecurityTest, NonLoopbackPlaintextNeedsAllowInsecure) {
  absl::StatusOr<ServerSecurity> refused =
      SetUpServerSecurity("0.0.0.0:7411", SecurityOptions());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("refusing to serve plaintext on 0.0.0.0:7411"));
  SecurityOptions insecure;
  insecure.allow_insecure = true;
  absl::StatusOr<ServerSecurity> allowed =
      SetUpServerSecurity("0.0.0.0:7411", insecure);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  ASSERT_EQ(allowed->warnings.size(), 1u);
  EXPECT_THAT(allowed->warnings[0], HasSubstr("WARNING: --allow_insecure"));
}

TEST(ServerSecurityTest, RefusesHalfConfigurations) {
  SecurityOptions cert_only;
  cert_only.tls_cert_file = "/x/server.pem";
  EXPECT_THAT(Message("127.0.0.1:0", cert_only),
              HasSubstr("--tls_cert and --tls_key go together"));
  SecurityOptions ca_only;
  ca_only.tls_client_ca_file = "/x/ca.pem";
  EXPECT_THAT(Message("127.0.0.1:0", ca_only),
              HasSubstr("--tls_client_ca needs --tls_cert and --tls_key"));
  SecurityOptions policy_only;
  policy_only.auth_policy_file = "/x/policy.yaml";
  EXPECT_THAT(Message("127.0.0.1:0", policy_only),
              HasSubstr("--auth_policy needs client certificates"));
  policy_only.tls_cert_file = "/x/server.pem";
  policy_only.tls_key_file = "/x/server.key";
  EXPECT_THAT(Message("127.0.0.1:0", policy_only),
              HasSubstr("--auth_policy needs client certificates"));
}

TEST(ServerSecurityTest, UnreadableOrNonPemFilesNameFlagAndPath) {
  SecurityOptions o;
  o.tls_cert_file = "/nonexistent/server.pem";
  o.tls_key_file = "/nonexistent/server.key";
  EXPECT_EQ(Message("127.0.0.1:0", o),
            "--tls_cert: cannot read /nonexistent/server.pem");
  const std::string junk = ::testing::TempDir() + "/junk.pem";
  std::ofstream(junk) << "not a certificate\n";
  o.tls_cert_file = junk;
  EXPECT_THAT(Message("127.0.0.1:0", o),
              HasSubstr(absl::StrCat("--tls_cert: ", junk,
                                     " holds no PEM CERTIFICATE")));
}

}  // namespace
}  // namespace riskflow::server::auth
