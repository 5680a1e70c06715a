#include "tools/riskflow_cases/cases_cli.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "pipeline/cases/case_store.h"
#include "pipeline/cases/evidence_html.h"
#include "pipeline/server/cases_service.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "proto/riskflow/v1/sinks.grpc.pb.h"
#include "tools/riskflow/channel.h"
#include "tools/riskflow/common.h"
#include "tools/riskflow/flags.h"
#include "tools/riskflow_cases/console_service.h"
#include "tools/riskflow_cases/sink_consumer.h"

namespace riskflow::cases {

namespace {

using ::riskflow::cli::FlagSet;

struct Common {
  std::string db;
  int64_t two_person_amount_minor = 1000000;
  bool two_person_when_amount_unknown = true;
  int64_t max_note_bytes = 4096;
  std::vector<std::string> sla;
};

void AddCommonFlags(FlagSet* flags, Common* c) {
  flags->AddString("db", &c->db, "the case database (SQLite file)");
  flags->AddInt("two_person_amount_minor", &c->two_person_amount_minor,
                "a FREEZE above this needs two reviewers to release", 0);
  flags->AddBool("two_person_when_amount_unknown",
                 &c->two_person_when_amount_unknown,
                 "a FREEZE without an amount in its evidence needs two");
  flags->AddInt("max_note_bytes", &c->max_note_bytes, "note size cap", 1);
  flags->AddStringList("sla", &c->sla, "STATE=DURATION, e.g. OPEN=30m");
}

absl::StatusOr<std::unique_ptr<CaseStore>> OpenStore(const Common& c) {
  if (c.db.empty()) return absl::InvalidArgumentError("--db: required");
  CaseStoreOptions options;
  options.two_person_amount_minor = c.two_person_amount_minor;
  options.two_person_when_amount_unknown = c.two_person_when_amount_unknown;
  options.max_note_bytes = static_cast<size_t>(c.max_note_bytes);
  for (const std::string& entry : c.sla) {
    std::vector<std::string> parts = absl::StrSplit(entry, '=');
    absl::Duration d;
    if (parts.size() != 2 || !absl::ParseDuration(parts[1], &d) ||
        d <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--sla: \"", entry, "\" is not STATE=DURATION (e.g. OPEN=30m)"));
    }
    absl::StatusOr<CaseState> state = ParseState(parts[0]);
    if (!state.ok()) return state.status();
    options.sla[*state] = d;
  }
  return CaseStore::Open(cli::ResolveUserPath(c.db), options);
}

std::string Ms(int64_t ms) {
  if (ms == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

std::string CaseLine(const Case& c) {
  return absl::StrCat(c.id, "\t", c.account_id, "\t", StateName(c.state),
                      "\tv", c.version, "\t", c.severity, "\t",
                      c.decision_count, " decisions\topened ", Ms(c.opened_ms),
                      c.overdue ? "\tOVERDUE" : "",
                      c.release_requested_by.empty()
                          ? ""
                          : absl::StrCat("\trelease requested by ",
                                         c.release_requested_by));
}

int Fail(std::ostream& err, const absl::Status& s) {
  err << "riskflow-cases: " << s.message() << " ["
      << absl::StatusCodeToString(s.code()) << "]\n";
  return 1;
}

absl::StatusOr<int64_t> ParseCaseId(const std::string& text) {
  int64_t id = 0;
  if (!absl::SimpleAtoi(text, &id) || id <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("case id: \"", text, "\" is not a positive number"));
  }
  return id;
}

int Serve(const std::vector<std::string>& args, std::ostream& out,
          std::ostream& err, const std::atomic<bool>* stop) {
  Common common;
  cli::GlobalOptions global;
  ConsumerOptions options;
  int64_t batch = 1000, poll_ms = 100, delay_ms = 0;
  FlagSet flags("riskflow-cases serve");
  AddCommonFlags(&flags, &common);
  cli::AddGlobalFlags(&flags, &global);
  flags.AddString("consumer", &options.consumer, "consumer name at riskflowd");
  flags.AddInt("batch", &batch, "decisions per transaction", 1);
  flags.AddInt("poll_ms", &poll_ms, "idle poll interval", 1);
  flags.AddInt("batch_delay_ms", &delay_ms, "sleep after each batch", 0);
  flags.AddBool("once", &options.once, "drain both sinks, then exit");
  std::string listen, port_file;
  flags.AddString("listen", &listen,
                  "serve the Cases lookup API here (host:port; port 0 picks)");
  flags.AddString("port_file", &port_file,
                  "write the --listen port here once serving");
  ConsoleFlags console_flags;
  AddConsoleFlags(&flags, &console_flags);
  absl::StatusOr<std::vector<std::string>> rest = flags.Parse(args);
  if (!rest.ok()) return Fail(err, rest.status());
  options.batch = static_cast<uint64_t>(batch);
  options.idle_poll = absl::Milliseconds(poll_ms);
  options.batch_delay = absl::Milliseconds(delay_ms);
  absl::StatusOr<std::unique_ptr<CaseStore>> store = OpenStore(common);
  if (!store.ok()) return Fail(err, store.status());
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      cli::ConnectToDaemon(global);
  if (!channel.ok()) return Fail(err, channel.status());
  std::unique_ptr<riskflow::v1::Sinks::Stub> stub =
      riskflow::v1::Sinks::NewStub(*channel);
  // The review console and the hold releaser (docs/console.md).
  absl::StatusOr<std::unique_ptr<ConsoleService>> console =
      ConsoleService::Start(console_flags, store->get(), *channel, &err);
  if (!console.ok()) return Fail(err, console.status());
  // The lookup API: plaintext on the given address (put it behind the same
  // mTLS proxy or network policy as the console; docs/cases.md).
  std::unique_ptr<server::CasesService> service;
  std::unique_ptr<grpc::Server> server;
  if (!listen.empty()) {
    service = std::make_unique<server::CasesService>(store->get());
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service.get());
    server = builder.BuildAndStart();
    if (server == nullptr || port == 0) {
      return Fail(err, absl::UnavailableError(
                           absl::StrCat("--listen: cannot serve on ", listen)));
    }
    if (!port_file.empty()) {
      const std::string tmp = port_file + ".tmp";
      std::ofstream(tmp) << port << "\n";
      std::rename(tmp.c_str(), port_file.c_str());
    }
    err << "riskflow-cases: Cases API on port " << port << "\n";
  }
  const absl::Time start = absl::Now();
  ConsumerStats stats[2];
  absl::Status status[2];
  const riskflow::v1::Route sinks[2] = {riskflow::v1::FREEZE,
                                        riskflow::v1::MANUAL_REVIEW};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      status[i] = ConsumeSink(stub.get(), store->get(), sinks[i], options,
                              stop, &stats[i], &err);
    });
  }
  for (std::thread& t : threads) t.join();
  if (server != nullptr) server->Shutdown();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  int64_t opened = 0, attached = 0, duplicates = 0, decisions = 0;
  for (const ConsumerStats& s : stats) {
    opened += s.ingested.opened;
    attached += s.ingested.attached;
    duplicates += s.ingested.duplicates;
    decisions += s.decisions;
  }
  out << "riskflow-cases: " << decisions << " decisions read, " << opened
      << " cases opened, " << attached << " decisions attached, " << duplicates
      << " duplicates skipped in " << seconds << " s ("
      << (seconds > 0 ? opened / seconds : 0) << " cases/s)\n";
  for (const absl::Status& s : status) {
    if (!s.ok()) return Fail(err, s);
  }
  return 0;
}

struct ActionFlags {
  int64_t version = 0;
  std::string actor, role, note;
  std::vector<std::string> attach;
};

void AddActionFlags(FlagSet* flags, ActionFlags* a) {
  flags->AddInt("version", &a->version, "the case version you read", 0);
  flags->AddString("actor", &a->actor, "who acts");
  flags->AddString("role", &a->role, "reviewer, senior_reviewer or admin");
  flags->AddString("note", &a->note, "a note for this step");
  flags->AddStringList("attach", &a->attach, "a reference (repeatable)");
}

int Act(const std::string& command, const std::vector<std::string>& args,
        std::ostream& out, std::ostream& err) {
  Common common;
  ActionFlags a;
  FlagSet flags(absl::StrCat("riskflow-cases ", command));
  AddCommonFlags(&flags, &common);
  AddActionFlags(&flags, &a);
  absl::StatusOr<std::vector<std::string>> rest = flags.Parse(args);
  if (!rest.ok()) return Fail(err, rest.status());
  const size_t want = command == "transition" ? 2 : 1;
  if (rest->size() != want) {
    return Fail(err, absl::InvalidArgumentError(absl::StrCat(
                         command, " needs ",
                         want == 2 ? "CASE_ID STATE" : "CASE_ID")));
  }
  if (!flags.WasSet("version")) {
    return Fail(err, absl::InvalidArgumentError(
                         "--version: required (the case version you read; "
                         "`show` prints it)"));
  }
  absl::StatusOr<int64_t> id = ParseCaseId((*rest)[0]);
  if (!id.ok()) return Fail(err, id.status());
  absl::StatusOr<std::unique_ptr<CaseStore>> store = OpenStore(common);
  if (!store.ok()) return Fail(err, store.status());
  Action action{*id, a.version, a.actor, a.role, a.note, a.attach};
  absl::StatusOr<Case> result;
  if (command == "transition") {
    absl::StatusOr<CaseState> to = ParseState((*rest)[1]);
    if (!to.ok()) return Fail(err, to.status());
    result = (*store)->Transition(action, *to);
  } else if (command == "note") {
    result = (*store)->AddNote(action);
  } else if (command == "request-release") {
    result = (*store)->RequestRelease(action);
  } else {
    result = (*store)->ApproveRelease(action);
  }
  if (!result.ok()) return Fail(err, result.status());
  out << CaseLine(*result) << "\n";
  return 0;
}

int List(const std::vector<std::string>& args, std::ostream& out,
         std::ostream& err) {
  Common common;
  std::string state;
  CaseFilter filter;
  int64_t limit = 100;
  FlagSet flags("riskflow-cases list");
  AddCommonFlags(&flags, &common);
  flags.AddString("state", &state, "only cases in this state");
  flags.AddString("account", &filter.account_id, "only this account");
  flags.AddBool("open", &filter.open_only, "only open cases");
  flags.AddBool("overdue", &filter.overdue_only, "only overdue cases");
  flags.AddInt("limit", &limit, "at most this many (0 = all)", 0);
  absl::StatusOr<std::vector<std::string>> rest = flags.Parse(args);
  if (!rest.ok()) return Fail(err, rest.status());
  filter.limit = static_cast<size_t>(limit);
  if (!state.empty()) {
    absl::StatusOr<CaseState> s = ParseState(state);
    if (!s.ok()) return Fail(err, s.status());
    filter.state = *s;
  }
  absl::StatusOr<std::unique_ptr<CaseStore>> store = OpenStore(common);
  if (!store.ok()) return Fail(err, store.status());
  absl::StatusOr<std::vector<Case>> cases = (*store)->List(filter);
  if (!cases.ok()) return Fail(err, cases.status());
  for (const Case& c : *cases) out << CaseLine(c) << "\n";
  return 0;
}

int Show(const std::vector<std::string>& args, std::ostream& out,
         std::ostream& err, bool by_event) {
  Common common;
  FlagSet flags(by_event ? "riskflow-cases find" : "riskflow-cases show");
  AddCommonFlags(&flags, &common);
  absl::StatusOr<std::vector<std::string>> rest = flags.Parse(args);
  if (!rest.ok()) return Fail(err, rest.status());
  if (rest->size() != 1) {
    return Fail(err, absl::InvalidArgumentError(
                         by_event ? "find needs EVENT_ID" : "show needs CASE_ID"));
  }
  absl::StatusOr<std::unique_ptr<CaseStore>> store = OpenStore(common);
  if (!store.ok()) return Fail(err, store.status());
  absl::StatusOr<Case> c;
  if (by_event) {
    c = (*store)->FindByEvent((*rest)[0]);
  } else {
    absl::StatusOr<int64_t> id = ParseCaseId((*rest)[0]);
    if (!id.ok()) return Fail(err, id.status());
    c = (*store)->Get(*id);
  }
  if (!c.ok()) return Fail(err, c.status());
  absl::StatusOr<std::string> sha = (*store)->EvidenceSha256(c->id);
  absl::StatusOr<std::vector<CaseAction>> history = (*store)->History(c->id);
  absl::StatusOr<std::vector<AttachedDecision>> decisions =
      (*store)->Decisions(c->id);
  for (const absl::Status& s :
       {sha.status(), history.status(), decisions.status()}) {
    if (!s.ok()) return Fail(err, s);
  }
  out << "case " << c->id << "  account " << c->account_id << "\n"
      << "state " << StateName(c->state) << " (since " << Ms(c->state_since_ms)
      << ")  version " << c->version << "  severity " << c->severity << "\n"
      << "sla deadline " << Ms(c->sla_deadline_ms)
      << (c->overdue ? "  OVERDUE" : "") << "\n"
      << "next states: ";
  std::vector<std::string> next;
  for (CaseState s : NextStates(c->state)) next.push_back(StateName(s));
  out << (next.empty() ? "none (closed)" : absl::StrJoin(next, ", ")) << "\n";
  if (std::optional<std::string> why = (*store)->TwoPersonReason(*c)) {
    out << "release needs two reviewers: " << *why << "\n";
  }
  if (!c->release_requested_by.empty()) {
    out << "release requested by " << c->release_requested_by << "\n";
  }
  out << "evidence sha256 " << *sha << "\n\ntimeline:\n";
  for (const CaseAction& a : *history) {
    out << "  " << Ms(a.time_ms) << "  " << a.actor << " (" << a.role << ") "
        << a.action << " " << a.from_state << " -> " << a.to_state;
    if (!a.note.empty()) out << "  note: " << a.note;
    if (!a.attachments.empty()) {
      out << "  attachments: " << absl::StrJoin(a.attachments, ", ");
    }
    out << "\n";
  }
  out << "\ndecisions (" << decisions->size() << "):\n";
  for (const AttachedDecision& d : *decisions) {
    out << "  " << d.decision.decision_id() << "  seq "
        << d.decision.sequence() << "  "
        << riskflow::v1::Route_Name(d.decision.route()) << "  via " << d.sink;
    for (const riskflow::v1::Annotation& a : d.decision.annotations()) {
      out << "\n    " << a.detector() << " " << a.reason_code() << " -> "
          << riskflow::v1::Route_Name(a.route());
      for (const riskflow::v1::Evidence& e : a.evidence()) {
        out << " " << e.key() << "=" << e.value();
      }
    }
    out << "\n";
  }
  return 0;
}

int ExportCmd(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  Common common;
  std::string actor, path, html;
  FlagSet flags("riskflow-cases export");
  AddCommonFlags(&flags, &common);
  flags.AddString("actor", &actor, "who exports (audited)");
  flags.AddString("out", &path, "write the JSON here (default: stdout)");
  flags.AddString("html", &html, "also write a printable HTML page here");
  absl::StatusOr<std::vector<std::string>> rest = flags.Parse(args);
  if (!rest.ok()) return Fail(err, rest.status());
  if (rest->size() != 1) {
    return Fail(err, absl::InvalidArgumentError("export needs CASE_ID"));
  }
  absl::StatusOr<int64_t> id = ParseCaseId((*rest)[0]);
  if (!id.ok()) return Fail(err, id.status());
  absl::StatusOr<std::unique_ptr<CaseStore>> store = OpenStore(common);
  if (!store.ok()) return Fail(err, store.status());
  absl::StatusOr<CaseStore::Export> e = (*store)->ExportEvidence(*id, actor);
  if (!e.ok()) return Fail(err, e.status());
  if (!html.empty()) {
    absl::StatusOr<Case> c = (*store)->Get(*id);
    absl::StatusOr<std::vector<AttachedDecision>> ds = (*store)->Decisions(*id);
    absl::StatusOr<std::vector<CaseAction>> hs = (*store)->History(*id);
    auto recent = (*store)->RecentEvents(*id);
    for (const absl::Status& s :
         {c.status(), ds.status(), hs.status(), recent.status()}) {
      if (!s.ok()) return Fail(err, s);
    }
    std::ofstream file(cli::ResolveUserPath(html), std::ios::trunc);
    file << RenderEvidenceHtml(*c, *ds, *hs, e->sha256, *recent);
    file.flush();
    if (!file) {
      return Fail(err, absl::PermissionDeniedError(
                           absl::StrCat(html, ": cannot write")));
    }
  }
  if (path.empty()) {
    out << e->json;
    err << "sha256 " << e->sha256 << "\n";
  } else {
    std::ofstream file(cli::ResolveUserPath(path), std::ios::trunc);
    file << e->json;
    file.flush();
    if (!file) {
      return Fail(err, absl::PermissionDeniedError(
                           absl::StrCat(path, ": cannot write")));
    }
    out << "sha256 " << e->sha256 << "  " << path << "\n";
  }
  return 0;
}

int Notifications(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err) {
  Common common;
  int64_t after = 0, limit = 100;
  std::string consumer;
  bool commit = false;
  FlagSet flags("riskflow-cases notifications");
  AddCommonFlags(&flags, &common);
  flags.AddInt("after", &after, "entries after this sequence", 0);
  flags.AddInt("limit", &limit, "at most this many (0 = all)", 0);
  flags.AddString("consumer", &consumer, "start after this consumer's cursor");
  flags.AddBool("commit", &commit, "store the last sequence printed");
  absl::StatusOr<std::vector<std::string>> rest = flags.Parse(args);
  if (!rest.ok()) return Fail(err, rest.status());
  if (commit && consumer.empty()) {
    return Fail(err, absl::InvalidArgumentError("--commit needs --consumer"));
  }
  absl::StatusOr<std::unique_ptr<CaseStore>> store = OpenStore(common);
  if (!store.ok()) return Fail(err, store.status());
  if (!consumer.empty() && !flags.WasSet("after")) {
    absl::StatusOr<int64_t> c = (*store)->NotificationCursor(consumer);
    if (!c.ok()) return Fail(err, c.status());
    after = *c;
  }
  absl::StatusOr<std::vector<Notification>> n =
      (*store)->ReadNotifications(after, static_cast<size_t>(limit));
  if (!n.ok()) return Fail(err, n.status());
  for (const Notification& x : *n) {
    out << x.seq << "\t" << x.kind << "\t" << x.payload << "\n";
  }
  if (commit && !n->empty()) {
    if (absl::Status s =
            (*store)->CommitNotificationCursor(consumer, n->back().seq);
        !s.ok()) {
      return Fail(err, s);
    }
  }
  return 0;
}

int Labels(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  Common common;
  std::string path;
  FlagSet flags("riskflow-cases labels");
  AddCommonFlags(&flags, &common);
  flags.AddString("out", &path, "the labels file (JSONL events)");
  absl::StatusOr<std::vector<std::string>> rest = flags.Parse(args);
  if (!rest.ok()) return Fail(err, rest.status());
  if (path.empty()) {
    return Fail(err, absl::InvalidArgumentError("--out: required"));
  }
  absl::StatusOr<std::unique_ptr<CaseStore>> store = OpenStore(common);
  if (!store.ok()) return Fail(err, store.status());
  absl::StatusOr<int64_t> n = (*store)->ExportLabels(cli::ResolveUserPath(path));
  if (!n.ok()) return Fail(err, n.status());
  out << n.value() << " labelled events written to " << path
      << " (riskflow report --labels " << path << ")\n";
  return 0;
}

int AuditVerify(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err) {
  Common common;
  FlagSet flags("riskflow-cases audit-verify");
  AddCommonFlags(&flags, &common);
  absl::StatusOr<std::vector<std::string>> rest = flags.Parse(args);
  if (!rest.ok()) return Fail(err, rest.status());
  absl::StatusOr<std::unique_ptr<CaseStore>> store = OpenStore(common);
  if (!store.ok()) return Fail(err, store.status());
  absl::StatusOr<AuditVerifyResult> r = (*store)->VerifyAudit();
  if (!r.ok()) return Fail(err, r.status());
  if (!r->ok) {
    err << "audit chain BROKEN at entry " << r->first_bad_seq << ": "
        << r->problem << "\n";
    return 1;
  }
  out << "audit chain OK: " << r->entries << " entries\n";
  return 0;
}

}  // namespace

int RunCasesCli(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err, const std::atomic<bool>* stop) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" ||
      args[0] == "-h") {
    (args.empty() ? err : out) << kCasesUsage;
    return args.empty() ? 1 : 0;
  }
  const std::string& command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "serve") return Serve(rest, out, err, stop);
  if (command == "users") return UsersCommand(rest, std::cin, out, err);
  if (command == "list") return List(rest, out, err);
  if (command == "show") return Show(rest, out, err, false);
  if (command == "find") return Show(rest, out, err, true);
  if (command == "transition" || command == "note" ||
      command == "request-release" || command == "approve-release") {
    return Act(command, rest, out, err);
  }
  if (command == "export") return ExportCmd(rest, out, err);
  if (command == "notifications") return Notifications(rest, out, err);
  if (command == "labels") return Labels(rest, out, err);
  if (command == "audit-verify") return AuditVerify(rest, out, err);
  err << "riskflow-cases: unknown command \"" << command << "\"\n\n"
      << kCasesUsage;
  return 1;
}

}  // namespace riskflow::cases
