#include "tools/riskflow_cases/console_service.h"

#include <cstdio>
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "pipeline/console/password_hash.h"
#include "pipeline/console/users.h"
#include "tools/riskflow_cases/hold_releaser.h"
#include "tools/riskflow_cases/recent_events_fetcher.h"

namespace riskflow::cases {

void AddConsoleFlags(cli::FlagSet* flags, ConsoleFlags* f) {
  flags->AddString("console_listen", &f->listen,
                   "serve the review console here (host:port; port 0 picks)");
  flags->AddString("console_port_file", &f->port_file,
                   "write the console's port here once serving");
  flags->AddString("users", &f->users,
                   "the console's users file (riskflow-cases users add)");
  flags->AddBool("secure_cookie", &f->secure_cookie,
                 "mark the session cookie Secure (console behind TLS)");
  flags->AddBool("release_holds", &f->release_holds,
                 "lift riskflowd's hold when a case is released");
  flags->AddInt("evidence_recent_events", &f->evidence_recent_events,
                "the account's recent events frozen into a case's evidence "
                "when it opens and when a flag joins (0: off; max 1000)",
                0);
  flags->AddString("evidence_recent_window", &f->evidence_recent_window,
                   "how far back from the flagged event (7d, 36h; 0: no "
                   "window)");
  flags->AddInt("evidence_fetch_attempts", &f->evidence_fetch_attempts,
                "tries while riskflowd is unreachable before the evidence "
                "records the error instead",
                1);
}

absl::StatusOr<std::unique_ptr<ConsoleService>> ConsoleService::Start(
    const ConsoleFlags& flags, CaseStore* store,
    std::shared_ptr<grpc::Channel> riskflowd, std::ostream* err) {
  std::unique_ptr<ConsoleService> s(new ConsoleService());
  if (riskflowd != nullptr) {
    s->client_ = std::make_unique<console::RiskflowdClient>(riskflowd);
  }
  if (!flags.listen.empty()) {
    if (flags.users.empty()) {
      return absl::InvalidArgumentError(
          "--console_listen needs --users (create it with `riskflow-cases "
          "users add NAME --role ROLE --users FILE`)");
    }
    absl::StatusOr<console::Users> users = console::Users::Load(flags.users);
    if (!users.ok()) return users.status();
    if (users->size() == 0) {
      *err << "riskflow-cases: warning: " << flags.users
           << " names no users; nobody can log in to the console\n";
    }
    s->auth_ = std::make_unique<console::Authenticator>(*std::move(users));
    console::ConsoleOptions options;
    options.listen = flags.listen;
    options.auth.secure_cookie = flags.secure_cookie;
    auto server = console::ConsoleServer::Start(options, s->auth_.get(), store,
                                                s->client_.get());
    if (!server.ok()) return server.status();
    s->server_ = *std::move(server);
    if (!flags.port_file.empty()) {
      const std::string tmp = flags.port_file + ".tmp";
      std::ofstream(tmp) << s->server_->port() << "\n";
      std::rename(tmp.c_str(), flags.port_file.c_str());
    }
    *err << "riskflow-cases: review console on port " << s->server_->port()
         << "\n";
  }
  if (flags.evidence_recent_events > 1000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--evidence_recent_events: at most 1000, got ",
        flags.evidence_recent_events));
  }
  absl::StatusOr<absl::Duration> window =
      ParseWindow(flags.evidence_recent_window);
  if (!window.ok()) return window.status();
  if (flags.evidence_recent_events > 0 && s->client_ != nullptr) {
    RecentEventsOptions options;
    options.limit = flags.evidence_recent_events;
    options.window = *window;
    options.max_attempts = flags.evidence_fetch_attempts;
    ConsoleService* self = s.get();
    s->recent_events_ = std::thread([self, store, options, err] {
      RunRecentEventsFetcher(store, self->client_.get(), options, &self->stop_,
                             err);
    });
  }
  if (flags.release_holds && s->client_ != nullptr) {
    ConsoleService* self = s.get();
    s->releaser_ = std::thread([self, store, err] {
      RunHoldReleaser(store, self->client_.get(), HoldReleaserOptions(),
                      &self->stop_, err);
    });
  }
  return s;
}

ConsoleService::~ConsoleService() {
  stop_.store(true);
  if (releaser_.joinable()) releaser_.join();
  if (recent_events_.joinable()) recent_events_.join();
  if (server_ != nullptr) server_->Stop();
}

int UsersCommand(const std::vector<std::string>& args, std::istream& in,
                 std::ostream& out, std::ostream& err) {
  std::string users_path, role = "reviewer";
  cli::FlagSet flags("riskflow-cases users");
  flags.AddString("users", &users_path, "the users file");
  flags.AddString("role", &role, "reviewer, senior_reviewer or admin");
  absl::StatusOr<std::vector<std::string>> rest = flags.Parse(args);
  auto fail = [&err](const absl::Status& s) {
    err << "riskflow-cases users: " << s.message() << "\n";
    return 1;
  };
  if (!rest.ok()) return fail(rest.status());
  if (users_path.empty()) return fail(absl::InvalidArgumentError("--users: required"));
  if (rest->empty()) {
    return fail(absl::InvalidArgumentError(
        "usage: users add NAME --role R | users remove NAME | users list "
        "(--users FILE; add reads the password from stdin)"));
  }
  absl::StatusOr<console::Users> users = console::Users::Load(users_path);
  if (!users.ok()) return fail(users.status());
  const std::string& verb = (*rest)[0];
  if (verb == "list" && rest->size() == 1) {
    for (const auto& [name, user] : users->all()) {
      out << name << "\t" << console::RoleName(user.role) << "\n";
    }
    return 0;
  }
  if (rest->size() != 2 || (verb != "add" && verb != "remove")) {
    return fail(absl::InvalidArgumentError(
        absl::StrCat("unknown users command '", verb,
                     "' (add NAME, remove NAME or list)")));
  }
  const std::string& name = (*rest)[1];
  if (verb == "remove") {
    if (!users->Remove(name)) {
      return fail(absl::NotFoundError(absl::StrCat("no user '", name, "'")));
    }
  } else {
    absl::StatusOr<console::Role> r = console::ParseRole(role);
    if (!r.ok()) return fail(r.status());
    std::string password;
    std::getline(in, password);
    absl::StatusOr<std::string> hash = console::HashPassword(password);
    if (!hash.ok()) return fail(hash.status());
    if (absl::Status s = users->Put({name, *r, *hash}); !s.ok()) return fail(s);
  }
  if (absl::Status s = users->Save(users_path); !s.ok()) return fail(s);
  out << "riskflow-cases users: " << (verb == "add" ? "saved " : "removed ")
      << name << " in " << users_path << "\n";
  return 0;
}

}  // namespace riskflow::cases
