#include "pipeline/console/http_auth.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "pipeline/common/logger.h"
#include "pipeline/console/json_body.h"
#include "pipeline/report/json_writer.h"

namespace riskflow::console {
namespace {

std::string SessionJson(const Session& s) {
  report::JsonWriter w;
  w.BeginObject()
      .Key("user").String(s.user)
      .Key("role").String(RoleName(s.role))
      .Key("csrf_token").String(s.csrf_token)
      .EndObject();
  return w.Finish();
}

bool ChangesSomething(const httplib::Request& req) {
  return req.method != "GET" && req.method != "HEAD";
}

}  // namespace

int HttpStatusFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kFailedPrecondition:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

void SendJson(std::string body, httplib::Response* res) {
  res->set_content(std::move(body), "application/json; charset=utf-8");
}

void SendError(const absl::Status& status, httplib::Response* res) {
  const int code = HttpStatusFor(status);
  std::string message(status.message());
  if (code == 500) {
    logging::Log(logging::Level::kError, {"console"},
                 absl::StrCat("internal error: ", status.ToString()));
    message = "internal error (see the case service's log)";
  }
  report::JsonWriter w;
  w.BeginObject()
      .Key("error").String(message)
      .Key("code").String(absl::StatusCodeToString(status.code()))
      .EndObject();
  res->status = code;
  SendJson(w.Finish(), res);
}

std::string CookieValue(const httplib::Request& req, absl::string_view name) {
  const std::string header = req.get_header_value("Cookie");
  for (absl::string_view part : absl::StrSplit(header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) {
      return std::string(part);
    }
  }
  return "";
}

absl::StatusOr<Session> RequireSession(const httplib::Request& req,
                                       Authenticator* auth, Role need) {
  const std::string token = CookieValue(req, kSessionCookie);
  if (!ChangesSomething(req)) {
    return auth->Authorize(token, need, nullptr, absl::Now());
  }
  const std::string csrf = req.get_header_value(kCsrfHeader);
  return auth->Authorize(token, need, &csrf, absl::Now());
}

void InstallAuthRoutes(httplib::Server* server, Authenticator* auth,
                       const HttpAuthOptions& options) {
  server->set_post_routing_handler(
      [](const httplib::Request&, httplib::Response& res) {
        // No inline script, no framing, no sniffing, no referrer leaking
        // case ids to other sites.
        res.set_header("Content-Security-Policy",
                       "default-src 'self'; frame-ancestors 'none'; "
                       "form-action 'self'; base-uri 'none'");
        res.set_header("X-Frame-Options", "DENY");
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("Referrer-Policy", "no-referrer");
        res.set_header("Cache-Control", "no-store");
      });

  const std::string cookie_flags = absl::StrCat(
      "; Path=/; HttpOnly; SameSite=Strict",
      options.secure_cookie ? "; Secure" : "");

  server->Post("/api/login", [auth, cookie_flags](const httplib::Request& req,
                                                  httplib::Response& res) {
    absl::StatusOr<JsonBody> body = JsonBody::Parse(req.body, 8 * 1024);
    if (!body.ok()) return SendError(body.status(), &res);
    absl::StatusOr<std::string> user = body->String("user");
    if (!user.ok()) return SendError(user.status(), &res);
    absl::StatusOr<std::string> password = body->String("password");
    if (!password.ok()) return SendError(password.status(), &res);
    absl::StatusOr<Session> s = auth->Login(*user, *password, absl::Now());
    if (!s.ok()) return SendError(s.status(), &res);
    res.set_header("Set-Cookie",
                   absl::StrCat(kSessionCookie, "=", s->token, cookie_flags));
    SendJson(SessionJson(*s), &res);
  });

  server->Post("/api/logout", [auth, cookie_flags](const httplib::Request& req,
                                                   httplib::Response& res) {
    absl::StatusOr<Session> s = RequireSession(req, auth, Role::kReviewer);
    if (!s.ok()) return SendError(s.status(), &res);
    auth->Logout(s->token);
    res.set_header("Set-Cookie", absl::StrCat(kSessionCookie, "=",
                                              cookie_flags, "; Max-Age=0"));
    SendJson("{}\n", &res);
  });

  server->Get("/api/session",
              [auth](const httplib::Request& req, httplib::Response& res) {
                absl::StatusOr<Session> s =
                    RequireSession(req, auth, Role::kReviewer);
                if (!s.ok()) return SendError(s.status(), &res);
                SendJson(SessionJson(*s), &res);
              });
}

}  // namespace riskflow::console
