// The auth routes over real HTTP on loopback (httplib server and client).
#include "pipeline/console/http_auth.h"

#include <thread>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "pipeline/console/password_hash.h"

namespace riskflow::console {
namespace {

class HttpAuthTest : public testing::Test {
 protected:
  void SetUp() override {
    Users users;
    ASSERT_TRUE(users
                    .Put({"alice", Role::kReviewer,
                          *HashPassword("alice-pass-1", {10, 8, 1})})
                    .ok());
    auth_ = std::make_unique<Authenticator>(std::move(users));
    InstallAuthRoutes(&server_, auth_.get());
    // A route that needs a senior reviewer, to see role checks over HTTP.
    server_.Post("/api/senior-only", [this](const httplib::Request& req,
                                            httplib::Response& res) {
      absl::StatusOr<Session> s =
          RequireSession(req, auth_.get(), Role::kSeniorReviewer);
      if (!s.ok()) return SendError(s.status(), &res);
      SendJson("{}", &res);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  }
  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Logs in; returns the cookie header value and the CSRF token.
  std::pair<std::string, std::string> LogIn() {
    auto res = client_->Post("/api/login",
                             R"({"user":"alice","password":"alice-pass-1"})",
                             "application/json");
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    const std::string set_cookie = res->get_header_value("Set-Cookie");
    EXPECT_TRUE(absl::StrContains(set_cookie, "HttpOnly")) << set_cookie;
    EXPECT_TRUE(absl::StrContains(set_cookie, "SameSite=Strict"));
    const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
    const size_t at = res->body.find("\"csrf_token\": \"");
    EXPECT_NE(at, std::string::npos) << res->body;
    const size_t begin = at + 15;
    return {cookie, res->body.substr(begin, res->body.find('"', begin) - begin)};
  }

  httplib::Server server_;
  std::unique_ptr<Authenticator> auth_;
  int port_ = -1;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpAuthTest, LoginSessionLogout) {
  auto [cookie, csrf] = LogIn();
  auto session = client_->Get("/api/session", {{"Cookie", cookie}});
  ASSERT_TRUE(session);
  EXPECT_EQ(session->status, 200);
  EXPECT_TRUE(absl::StrContains(session->body, "\"user\": \"alice\""));
  EXPECT_EQ(session->get_header_value("X-Frame-Options"), "DENY");
  EXPECT_TRUE(absl::StrContains(
      session->get_header_value("Content-Security-Policy"), "default-src 'self'"));

  // A state change without the CSRF header is refused, with it accepted.
  auto no_csrf = client_->Post("/api/logout", {{"Cookie", cookie}}, "", "application/json");
  ASSERT_TRUE(no_csrf);
  EXPECT_EQ(no_csrf->status, 403);
  EXPECT_TRUE(absl::StrContains(no_csrf->body, "X-CSRF-Token")) << no_csrf->body;
  auto out = client_->Post("/api/logout", {{"Cookie", cookie}, {kCsrfHeader, csrf}},
                           "", "application/json");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 200) << out->body;
  auto after = client_->Get("/api/session", {{"Cookie", cookie}});
  EXPECT_EQ(after->status, 401);
}

TEST_F(HttpAuthTest, RoleAndBadRequests) {
  auto [cookie, csrf] = LogIn();
  auto senior = client_->Post("/api/senior-only",
                              {{"Cookie", cookie}, {kCsrfHeader, csrf}}, "{}",
                              "application/json");
  EXPECT_EQ(senior->status, 403);
  EXPECT_TRUE(absl::StrContains(senior->body, "senior_reviewer")) << senior->body;

  auto wrong = client_->Post("/api/login", R"({"user":"alice","password":"nope-nope-nope"})",
                             "application/json");
  EXPECT_EQ(wrong->status, 401);
  EXPECT_TRUE(absl::StrContains(wrong->body, "wrong user name or password"));
  EXPECT_TRUE(wrong->get_header_value("Set-Cookie").empty());

  auto garbage = client_->Post("/api/login", "user=alice", "application/x-www-form-urlencoded");
  EXPECT_EQ(garbage->status, 400);
  EXPECT_TRUE(absl::StrContains(garbage->body, "not valid JSON")) << garbage->body;
  auto missing = client_->Post("/api/login", R"({"user":"alice"})", "application/json");
  EXPECT_EQ(missing->status, 400);
  EXPECT_TRUE(absl::StrContains(missing->body, "'password' is required"));

  auto anonymous = client_->Get("/api/session");
  EXPECT_EQ(anonymous->status, 401);
  auto forged = client_->Get("/api/session", {{"Cookie", "rf_session=deadbeef"}});
  EXPECT_EQ(forged->status, 401);
}

}  // namespace
}  // namespace riskflow::console
