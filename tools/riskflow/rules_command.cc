#include "tools/riskflow/rules_command.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "plugins/rule/compiler/rule_set.h"
#include "proto/riskflow/v1/decision.pb.h"
#include "tools/riskflow/admin_command.h"
#include "tools/riskflow/common.h"
#include "tools/riskflow/flags.h"
#include "tools/riskflow/rules_edit.h"
#include "tools/riskflow/table.h"

namespace riskflow::cli {
namespace {

constexpr int64_t kPromoteDeadlineMs = 30000;

absl::StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes next to `path` and renames over it: a reader sees the old file or
// the new one, never half of either.
absl::Status ReplaceFile(const std::string& path, const std::string& text) {
  const std::string tmp = absl::StrCat(path, ".promote.", getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot write ", tmp, ": ", std::strerror(errno)));
  }
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() &&
                  std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  if (std::fclose(f) != 0 || !ok ||
      std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat("cannot replace ", path, ": ", why));
  }
  return absl::OkStatus();
}

absl::StatusOr<riskflow::v1::PipelineInfo> GetPipeline(
    const AdminOptions& options, riskflow::v1::Admin::StubInterface* stub) {
  auto context = MakeAdminContext(options);
  riskflow::v1::PipelineInfo info;
  grpc::Status s = stub->GetPipeline(
      context.get(), riskflow::v1::GetPipelineRequest(), &info);
  if (!s.ok()) {
    return absl::UnavailableError(
        AdminErrorSentence("GetPipeline", options.global.target, s));
  }
  return info;
}

std::string ModeText(const RuleRow& r) {
  if (r.mode == rule::Mode::kCanary) {
    return absl::StrCat("canary ", r.canary_percent, "%");
  }
  return rule::ModeName(r.mode);
}

}  // namespace

std::string FormatRules(const std::vector<RuleRow>& rows) {
  if (rows.empty()) return "no rule detectors in the running pipeline\n";
  std::vector<std::vector<std::string>> table = {
      {"DETECTOR/RULE", "MODE", "ROUTE", "ON_ERROR", "CODE"}};
  std::string warnings;
  for (const RuleRow& r : rows) {
    table.push_back({absl::StrCat(r.detector, "/", r.rule), ModeText(r),
                     rule::RouteName(r.route), rule::RouteName(r.on_error),
                     r.code});
    if (r.detector_route_overrides && r.mode != rule::Mode::kLive &&
        !absl::StrContains(warnings, r.detector)) {
      absl::StrAppend(&warnings, "warning: detector '", r.detector,
                      "' sets `route:`, which overrides its rules' routes, "
                      "shadow ones included; remove it (docs/rules.md)\n");
    }
  }
  return FormatTable(table) + warnings;
}

namespace {

struct RulesOptions {
  AdminOptions admin;
  std::string verb;
  std::string target_rule;
  std::string to;
  int64_t percent = -1;
  std::string file;
  bool dry_run = false;
  std::string decisions;
  int64_t samples = 5;
};

absl::StatusOr<RulesOptions> ParseRulesArgs(
    const std::vector<std::string>& args) {
  RulesOptions o;
  o.admin.deadline_ms = kPromoteDeadlineMs;
  std::string format = "text";
  FlagSet flags("riskflow rules");
  AddAdminFlags(&flags, &o.admin, &format);
  flags.AddString("to", &o.to, "promote: shadow, canary or live");
  flags.AddInt("percent", &o.percent, "promote --to canary: share of accounts");
  flags.AddString("file", &o.file, "promote: the pipeline file riskflowd runs");
  flags.AddBool("dry_run", &o.dry_run,
                "promote: validate with riskflowd, change nothing");
  flags.AddString("decisions", &o.decisions, "report: decisions JSONL file");
  flags.AddInt("samples", &o.samples, "report: event ids shown per rule");
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok()) return positional.status();
  if (positional->empty()) {
    return absl::InvalidArgumentError("needs list, show, promote or report");
  }
  o.verb = (*positional)[0];
  if (absl::Status s = ApplyFormatFlag(format, &o.admin); !s.ok()) return s;
  const size_t want = (o.verb == "show" || o.verb == "promote") ? 2 : 1;
  if (o.verb != "list" && o.verb != "show" && o.verb != "promote" &&
      o.verb != "report") {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown verb '", o.verb, "' (list, show, promote or report)"));
  }
  if (positional->size() != want) {
    return absl::InvalidArgumentError(
        want == 2 ? absl::StrCat(o.verb, " needs DETECTOR/RULE")
                  : absl::StrCat(o.verb, " takes no more arguments"));
  }
  if (want == 2) o.target_rule = (*positional)[1];
  if (o.verb == "promote") {
    if (o.to.empty()) return absl::InvalidArgumentError("promote needs --to");
    if (o.file.empty()) {
      return absl::InvalidArgumentError(
          "promote needs --file PIPELINE.yaml (the file riskflowd runs; it "
          "is edited and reloaded)");
    }
    o.file = ResolveUserPath(o.file);
  }
  if (o.verb == "report") {
    if (o.decisions.empty()) {
      return absl::InvalidArgumentError("report needs --decisions FILE.jsonl");
    }
    o.decisions = ResolveUserPath(o.decisions);
  }
  return o;
}

int RunList(const RulesOptions& o, riskflow::v1::Admin::StubInterface* stub,
            std::ostream& out, std::ostream& err) {
  absl::StatusOr<riskflow::v1::PipelineInfo> info = GetPipeline(o.admin, stub);
  if (!info.ok()) {
    err << "riskflow rules: " << info.status().message() << "\n";
    return kExitError;
  }
  absl::StatusOr<std::vector<RuleRow>> rows = ListRules(info->config());
  if (!rows.ok()) {
    err << "riskflow rules: " << rows.status().message() << "\n";
    return kExitError;
  }
  if (o.verb == "list") {
    out << FormatRules(*rows);
    return kExitOk;
  }
  std::string detector, name;
  if (absl::Status s = SplitRuleName(o.target_rule, &detector, &name); !s.ok()) {
    err << "riskflow rules show: " << s.message() << "\n";
    return kExitError;
  }
  for (const RuleRow& r : *rows) {
    if (r.detector != detector || r.rule != name) continue;
    out << detector << "/" << name << ": " << ModeText(r) << ", route "
        << rule::RouteName(r.route) << ", on_error "
        << rule::RouteName(r.on_error) << ", code " << r.code << "\n";
    for (const auto& d : info->config().detectors()) {
      if (d.name() != detector) continue;
      absl::StatusOr<std::string> text = RuleText(d.params().at("rules"), name);
      if (text.ok()) out << "\n" << *text;
    }
    out << "pipeline version " << info->version_hash().substr(0, 12) << "\n";
    return kExitOk;
  }
  err << "riskflow rules show: no rule '" << o.target_rule
      << "' in the running pipeline\n";
  return kExitError;
}

int RunPromote(const RulesOptions& o,
               riskflow::v1::Admin::StubInterface* stub, std::ostream& out,
               std::ostream& err) {
  Promotion p;
  if (absl::Status s = SplitRuleName(o.target_rule, &p.detector, &p.rule);
      !s.ok()) {
    err << "riskflow rules promote: " << s.message() << "\n";
    return kExitError;
  }
  if (!rule::ParseMode(o.to, &p.to)) {
    err << "riskflow rules promote: --to must be shadow, canary or live\n";
    return kExitError;
  }
  p.percent = static_cast<int>(o.percent);
  absl::StatusOr<std::string> yaml = ReadText(o.file);
  if (!yaml.ok()) {
    err << "riskflow rules promote: " << yaml.status().message() << "\n";
    return kExitError;
  }
  absl::StatusOr<PromoteResult> edit = PromoteInYaml(*yaml, p);
  if (!edit.ok()) {
    err << "riskflow rules promote: " << edit.status().message()
        << " (nothing changed)\n";
    return kExitError;
  }
  if (edit->from == p.to &&
      (p.to != rule::Mode::kCanary || p.percent < 0 ||
       p.percent == edit->from_percent)) {
    out << p.detector << "/" << p.rule << " is already "
        << rule::ModeName(p.to) << "; nothing changed\n";
    return kExitOk;
  }
  // The file must be what riskflowd runs, or promoting from it would also
  // roll out (or roll back) whatever else differs.
  absl::StatusOr<riskflow::v1::PipelineInfo> running =
      GetPipeline(o.admin, stub);
  if (!running.ok()) {
    err << "riskflow rules promote: " << running.status().message() << "\n";
    return kExitError;
  }
  if (!google::protobuf::util::MessageDifferencer::Equals(running->config(),
                                                           edit->before)) {
    err << "riskflow rules promote: " << o.file
        << " is not the pipeline riskflowd runs (version "
        << running->version_hash().substr(0, 12)
        << "); reload it first (riskflow reload) so the promotion changes "
           "only this rule (nothing changed)\n";
    return kExitError;
  }
  const std::string what = absl::StrCat(
      p.detector, "/", p.rule, " ", rule::ModeName(edit->from),
      edit->from == rule::Mode::kCanary
          ? absl::StrCat(" ", edit->from_percent, "%")
          : "",
      " -> ", rule::ModeName(p.to),
      p.to == rule::Mode::kCanary
          ? absl::StrCat(" ",
                         p.percent >= 0 ? p.percent : edit->from_percent, "%")
          : "");
  // The reload's source names the change: it is what GetPipeline shows and
  // what the daemon's audit of Admin actions records.
  const std::string source =
      absl::StrCat("riskflow rules promote ", what, " (", o.file, ")");
  for (bool dry : {true, false}) {
    if (!dry && o.dry_run) break;
    riskflow::v1::ReloadPipelineRequest request;
    request.set_yaml(edit->yaml);
    request.set_source(source);
    request.set_dry_run(dry);
    riskflow::v1::ReloadPipelineResponse response;
    auto context = MakeAdminContext(o.admin);
    grpc::Status s = stub->ReloadPipeline(context.get(), request, &response);
    if (!s.ok()) {
      err << "riskflow rules promote: "
          << AdminErrorSentence("ReloadPipeline", o.admin.global.target, s)
          << (dry ? " (nothing changed)" : "") << "\n";
      return kExitError;
    }
    if (dry && o.dry_run) {
      out << "dry run: " << what << " is valid, version "
          << response.pipeline().version_hash().substr(0, 12)
          << "; nothing changed\n";
      return kExitOk;
    }
    if (!dry) {
      if (absl::Status w = ReplaceFile(o.file, edit->yaml); !w.ok()) {
        err << "riskflow rules promote: riskflowd runs the promoted version "
            << response.pipeline().version_hash().substr(0, 12) << " but "
            << w.message() << "; fix the file by hand\n";
        return kExitError;
      }
      out << "promoted " << what << ": version "
          << response.pipeline().version_hash().substr(0, 12)
          << " took over after sequence "
          << response.effective_after_sequence() << "; " << o.file
          << " updated\n";
    }
  }
  return kExitOk;
}

}  // namespace

int RulesMain(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  absl::StatusOr<RulesOptions> options = ParseRulesArgs(args);
  if (!options.ok()) {
    err << "riskflow rules: " << options.status().message() << "\n"
        << kRulesUsage;
    return kExitError;
  }
  if (options->verb == "report") {
    std::ifstream probe(options->decisions);
    if (!probe) {
      err << "riskflow rules report: cannot read " << options->decisions
          << "\n";
      return kExitError;
    }
    const std::string section = ShadowRulesSection(
        options->decisions, static_cast<int>(options->samples));
    out << (section.empty() ? "no shadow-rule findings in " +
                                  options->decisions + "\n"
                            : section);
    return kExitOk;
  }
  return WithAdminStub(
      "rules", options->admin.global, err,
      [&](riskflow::v1::Admin::StubInterface* stub) {
        return options->verb == "promote" ? RunPromote(*options, stub, out, err)
                                          : RunList(*options, stub, out, err);
      });
}

}  // namespace riskflow::cli
