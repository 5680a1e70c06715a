#include <cstdlib>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "pipeline/console/authenticator.h"
#include "pipeline/console/password_hash.h"
#include "pipeline/console/sessions.h"
#include "pipeline/console/users.h"

namespace riskflow::console {
namespace {

// Cheap cost for tests that hash many times; the default is tested once.
constexpr ScryptCost kFast{10, 8, 1};

TEST(PasswordHash, VerifiesTheRightPasswordOnly) {
  absl::StatusOr<std::string> h = HashPassword("correct horse battery");
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->rfind("scrypt$15$8$1$", 0), 0u) << *h;
  EXPECT_TRUE(*VerifyPassword("correct horse battery", *h));
  EXPECT_FALSE(*VerifyPassword("correct horse batterz", *h));
  EXPECT_FALSE(*VerifyPassword("", *h));
  EXPECT_FALSE(NeedsRehash(*h));
}

TEST(PasswordHash, SaltsEveryHash) {
  absl::StatusOr<std::string> a = HashPassword("same password!", kFast);
  absl::StatusOr<std::string> b = HashPassword("same password!", kFast);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(NeedsRehash(*a));  // cheaper than the default
}

TEST(PasswordHash, RefusesBadPasswordsAndHashes) {
  EXPECT_EQ(HashPassword("short").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HashPassword(std::string(kMaxPasswordBytes + 1, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);
  for (const char* bad :
       {"", "plain", "scrypt$15$8$1$c2FsdHNhbHQ=", "md5$1$2$3$4$5",
        "scrypt$40$8$1$c2FsdHNhbHQ=$AAAA",  // N far too large
        "scrypt$15$8$1$!!!$AAAA"}) {
    absl::StatusOr<bool> r = VerifyPassword("whatever123", bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(Users, ValidatesNames) {
  EXPECT_TRUE(ValidateUserName("alice").ok());
  EXPECT_TRUE(ValidateUserName("a.b-c_9").ok());
  for (const char* bad : {"", "Alice", "-x", "a b", "a:b", "<script>"}) {
    EXPECT_FALSE(ValidateUserName(bad).ok()) << bad;
  }
  EXPECT_FALSE(ValidateUserName(std::string(65, 'a')).ok());
}

TEST(Users, SaveAndLoadRoundTrip) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/users_roundtrip";
  Users users;
  ASSERT_TRUE(users.Put({"alice", Role::kReviewer, *HashPassword("alice-pass-1", kFast)}).ok());
  ASSERT_TRUE(users.Put({"bob", Role::kSeniorReviewer, *HashPassword("bob-pass-123", kFast)}).ok());
  ASSERT_TRUE(users.Save(path).ok());
  absl::StatusOr<Users> loaded = Users::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ(loaded->Find("bob")->role, Role::kSeniorReviewer);
  EXPECT_TRUE(*VerifyPassword("alice-pass-1", loaded->Find("alice")->password_hash));
  // A missing file is an empty directory.
  absl::StatusOr<Users> none = Users::Load(path + ".missing");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->size(), 0u);
}

TEST(Users, MalformedFileNamesTheLine) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/users_bad";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("# ok\nalice:reviewer:scrypt$x\nbob:superuser:scrypt$x\n", f);
  std::fclose(f);
  absl::StatusOr<Users> loaded = Users::Load(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find(":3: unknown role 'superuser'"),
            std::string::npos)
      << loaded.status();
}

TEST(Sessions, ExpireWhenIdleOrOld) {
  SessionStore store({absl::Minutes(30), absl::Hours(12), 100});
  const absl::Time t0 = absl::FromUnixSeconds(1'000'000);
  absl::StatusOr<Session> s = store.Create("alice", Role::kReviewer, t0);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->token.size(), 64u);
  EXPECT_NE(s->token, s->csrf_token);
  EXPECT_TRUE(store.Touch(s->token, t0 + absl::Minutes(29)).has_value());
  // Idle time counts from the last use.
  EXPECT_TRUE(store.Touch(s->token, t0 + absl::Minutes(58)).has_value());
  EXPECT_FALSE(store.Touch(s->token, t0 + absl::Minutes(89)).has_value());
  EXPECT_FALSE(store.Touch("nope", t0).has_value());

  absl::StatusOr<Session> old = store.Create("bob", Role::kReviewer, t0);
  absl::Time t = t0;
  for (int i = 0; i < 24; ++i) {  // 696 min: under the 12 h max age
    t += absl::Minutes(29);
    ASSERT_TRUE(store.Touch(old->token, t).has_value()) << i;
  }
  EXPECT_FALSE(store.Touch(old->token, t + absl::Minutes(29)).has_value());
}

TEST(Sessions, BoundedAndEndable) {
  SessionStore store({absl::Minutes(30), absl::Hours(12), 3});
  const absl::Time t0 = absl::FromUnixSeconds(1'000'000);
  std::vector<Session> made;
  for (int i = 0; i < 5; ++i) {
    made.push_back(*store.Create("u" + std::to_string(i), Role::kReviewer,
                                 t0 + absl::Seconds(i)));
  }
  EXPECT_EQ(store.size(), 3u);
  EXPECT_FALSE(store.Touch(made[0].token, t0 + absl::Seconds(10)).has_value());
  EXPECT_TRUE(store.Touch(made[4].token, t0 + absl::Seconds(10)).has_value());
  store.EndAllOf("u4");
  EXPECT_FALSE(store.Touch(made[4].token, t0 + absl::Seconds(10)).has_value());
}

Users TwoUsers() {
  Users users;
  (void)users.Put({"alice", Role::kReviewer, *HashPassword("alice-pass-1", kFast)});
  (void)users.Put({"sam", Role::kSeniorReviewer, *HashPassword("sam-pass-123", kFast)});
  return users;
}

TEST(Authenticator, LogsInChecksRolesAndCsrf) {
  Authenticator auth(TwoUsers());
  const absl::Time now = absl::Now();
  absl::StatusOr<Session> s = auth.Login("alice", "alice-pass-1", now);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(auth.Check(s->token, now).ok());
  EXPECT_TRUE(auth.Authorize(s->token, Role::kReviewer, &s->csrf_token, now).ok());
  std::string wrong = "0" + s->csrf_token.substr(1);
  if (wrong == s->csrf_token) wrong = "1" + s->csrf_token.substr(1);
  EXPECT_EQ(auth.Authorize(s->token, Role::kReviewer, &wrong, now).status().code(),
            absl::StatusCode::kPermissionDenied);
  std::string empty;
  EXPECT_EQ(auth.Authorize(s->token, Role::kReviewer, &empty, now).status().code(),
            absl::StatusCode::kPermissionDenied);
  absl::Status role = auth.Authorize(s->token, Role::kSeniorReviewer, nullptr, now).status();
  EXPECT_EQ(role.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(role.message().find("senior_reviewer"), std::string::npos);
  auth.Logout(s->token);
  EXPECT_EQ(auth.Check(s->token, now).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(Authenticator, SameAnswerForUnknownUserAndWrongPassword) {
  Authenticator auth(TwoUsers());
  const absl::Time now = absl::Now();
  absl::Status a = auth.Login("alice", "wrong-password", now).status();
  absl::Status b = auth.Login("mallory", "wrong-password", now).status();
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.code(), absl::StatusCode::kUnauthenticated);
}

TEST(Authenticator, LocksOutAfterRepeatedFailures) {
  LoginThrottle throttle(3, absl::Minutes(5));
  Authenticator auth(TwoUsers(), {}, &throttle);
  const absl::Time now = absl::Now();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(auth.Login("sam", "guess-" + std::to_string(i), now).status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  // Even the right password is refused while locked.
  absl::Status locked = auth.Login("sam", "sam-pass-123", now).status();
  EXPECT_EQ(locked.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(locked.message().find("try again in"), std::string::npos);
  // Other names are unaffected; after the lockout the right one works.
  EXPECT_TRUE(auth.Login("alice", "alice-pass-1", now).ok());
  EXPECT_TRUE(auth.Login("sam", "sam-pass-123", now + absl::Minutes(6)).ok());
}

}  // namespace
}  // namespace riskflow::console
