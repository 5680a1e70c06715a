#include "tools/riskflow/rules_edit.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/match.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "pipeline/config/pipeline_yaml.h"
#include "proto/riskflow/v1/decision.pb.h"
#include "tools/riskflow/table.h"

namespace riskflow::cli {
namespace {

using riskflow::v1::DetectorConfig;
using riskflow::v1::PipelineConfig;

const DetectorConfig* FindDetector(const PipelineConfig& config,
                                   const std::string& name) {
  for (const DetectorConfig& d : config.detectors()) {
    if (d.name() == name) return &d;
  }
  return nullptr;
}

absl::StatusOr<std::string> RulesOf(const PipelineConfig& config,
                                    const std::string& detector) {
  const DetectorConfig* d = FindDetector(config, detector);
  if (d == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("the pipeline has no detector '", detector, "'"));
  }
  if (d->plugin() != kRulePlugin) {
    return absl::InvalidArgumentError(absl::StrCat(
        "detector '", detector, "' runs plugin '", d->plugin(),
        "', not 'rule'"));
  }
  auto it = d->params().find("rules");
  if (it == d->params().end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("detector '", detector, "' has no `rules` parameter"));
  }
  return it->second;
}

absl::StatusOr<rule::RuleSet> Compile(const std::string& detector,
                                      const std::string& rules) {
  rule::RuleSet set;
  std::string error;
  if (!rule::CompileRuleSet(rules, &set, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("detector '", detector, "': ", error));
  }
  return set;
}

const rule::RuleDecl* FindRule(const rule::RuleSet& set,
                               const std::string& name) {
  for (const rule::RuleDecl& r : set.rules) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

size_t Indent(absl::string_view line) {
  size_t i = 0;
  while (i < line.size() && line[i] == ' ') ++i;
  return i;
}

}  // namespace

absl::StatusOr<std::vector<RuleRow>> ListRules(const PipelineConfig& config) {
  std::vector<RuleRow> rows;
  for (const DetectorConfig& d : config.detectors()) {
    if (d.plugin() != kRulePlugin) continue;
    absl::StatusOr<std::string> text = RulesOf(config, d.name());
    if (!text.ok()) return text.status();
    absl::StatusOr<rule::RuleSet> set = Compile(d.name(), *text);
    if (!set.ok()) return set.status();
    for (const rule::RuleDecl& r : set->rules) {
      RuleRow row;
      row.detector = d.name();
      row.rule = r.name;
      row.mode = r.mode;
      row.canary_percent = r.canary_percent;
      row.route = r.route;
      row.on_error = r.on_error;
      row.code = r.code;
      row.detector_route_overrides =
          d.route() != riskflow::v1::ROUTE_UNSPECIFIED;
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

std::string RulesSummary(const std::string& rules_text) {
  rule::RuleSet set;
  std::string error;
  if (!rule::CompileRuleSet(rules_text, &set, &error)) {
    return absl::StrCat("  rules do not compile: ", error, "\n");
  }
  std::string out;
  for (const rule::RuleDecl& r : set.rules) {
    std::string mode = rule::ModeName(r.mode);
    if (r.mode == rule::Mode::kCanary) {
      absl::StrAppend(&mode, " ", r.canary_percent, "%");
    }
    absl::StrAppend(&out, "  rule ", r.name, ": ", mode, ", route ",
                    rule::RouteName(r.route), "\n");
  }
  return out;
}

absl::Status SplitRuleName(const std::string& text, std::string* detector,
                           std::string* rule) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size() ||
      text.find('/', slash + 1) != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text, "' is not DETECTOR/RULE (e.g. payout_rules/big_payout)"));
  }
  *detector = text.substr(0, slash);
  *rule = text.substr(slash + 1);
  return absl::OkStatus();
}

absl::StatusOr<std::string> RuleText(const std::string& rules,
                                     const std::string& rule_name) {
  std::vector<std::string> lines = absl::StrSplit(rules, '\n');
  const rule::ModeEdit where = rule::LocateMode(rules, rule_name);
  if (!where.found_rule) {
    return absl::NotFoundError(absl::StrCat("no rule '", rule_name, "'"));
  }
  // From the header to its last property line.
  int header = where.insert_after;
  while (header > 0 && (lines[header].empty() || lines[header][0] == ' ' ||
                        lines[header][0] == '#')) {
    --header;
  }
  std::vector<std::string> out(lines.begin() + header,
                               lines.begin() + where.insert_after + 1);
  return absl::StrJoin(out, "\n") + "\n";
}

absl::StatusOr<PromoteResult> PromoteInYaml(const std::string& yaml,
                                            const Promotion& p) {
  PromoteResult result;
  absl::StatusOr<PipelineConfig> before = config::ParsePipelineYaml(yaml);
  if (!before.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the pipeline file does not load: ", before.status().message()));
  }
  result.before = *before;
  absl::StatusOr<std::string> rules = RulesOf(*before, p.detector);
  if (!rules.ok()) return rules.status();
  absl::StatusOr<rule::RuleSet> set = Compile(p.detector, *rules);
  if (!set.ok()) return set.status();
  const rule::RuleDecl* old_rule = FindRule(*set, p.rule);
  if (old_rule == nullptr) {
    return absl::NotFoundError(absl::StrCat("detector '", p.detector,
                                            "' has no rule '", p.rule, "'"));
  }
  result.from = old_rule->mode;
  result.from_percent = old_rule->canary_percent;
  int percent = p.percent;
  if (p.to == rule::Mode::kCanary && percent < 0) {
    if (old_rule->mode != rule::Mode::kCanary) {
      return absl::InvalidArgumentError(
          "--to canary needs --percent N (the share of accounts, 0..100)");
    }
    percent = old_rule->canary_percent;
  }
  if (p.to != rule::Mode::kCanary && p.percent >= 0) {
    return absl::InvalidArgumentError("--percent applies to --to canary only");
  }
  if (percent > 100) {
    return absl::InvalidArgumentError("--percent must be between 0 and 100");
  }

  // Where the block scalar's lines are in the file: yaml-cpp's mark of the
  // `rules` value, then the text re-derived from the file's lines must be
  // exactly what the parser read, or nothing is edited.
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(e.what());
  }
  int mark_line = -1;
  for (const YAML::Node& d : root["detectors"]) {
    if (d["name"] && d["name"].Scalar() == p.detector) {
      mark_line = d["params"]["rules"].Mark().line;
    }
  }
  std::vector<std::string> file = absl::StrSplit(yaml, '\n');
  const std::vector<std::string> text = absl::StrSplit(*rules, '\n');
  const auto not_block = absl::FailedPreconditionError(absl::StrCat(
      "the `rules` of detector '", p.detector,
      "' are not a literal block (`rules: |`) this command can edit in "
      "place; change the mode by hand"));
  if (mark_line < 0 || mark_line >= static_cast<int>(file.size()) ||
      file[mark_line].find('|') == std::string::npos) {
    return not_block;
  }
  const int first = mark_line + 1;
  size_t indent = std::string::npos;
  for (size_t i = first; i < file.size(); ++i) {
    if (file[i].find_first_not_of(' ') != std::string::npos) {
      indent = Indent(file[i]);
      break;
    }
  }
  if (indent == std::string::npos || indent == 0) return not_block;
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t line = first + i;
    if (text[i].empty()) continue;
    if (line >= file.size() || file[line].size() < indent ||
        file[line].substr(indent) != text[i]) {
      return not_block;
    }
  }

  const rule::ModeEdit where = rule::LocateMode(*rules, p.rule);
  if (!where.found_rule) return absl::InternalError("rule not located");
  const std::string pad(indent + where.indent, ' ');
  std::vector<std::string> inserts;
  if (where.has_mode) {
    file[first + where.mode_line] =
        absl::StrCat(pad, "mode: ", rule::ModeName(p.to));
  } else {
    inserts.push_back(absl::StrCat(pad, "mode: ", rule::ModeName(p.to)));
  }
  if (p.to == rule::Mode::kCanary) {
    const std::string line = absl::StrCat(pad, "canary_percent: ", percent);
    if (where.has_percent) {
      file[first + where.percent_line] = line;
    } else {
      inserts.push_back(line);
    }
  }
  file.insert(file.begin() + first + where.insert_after + 1, inserts.begin(),
              inserts.end());
  result.yaml = absl::StrJoin(file, "\n");

  // The proof: it parses, the rule has the new mode, nothing else changed.
  absl::StatusOr<PipelineConfig> after = config::ParsePipelineYaml(result.yaml);
  if (!after.ok()) {
    return absl::InternalError(absl::StrCat("the edited pipeline does not load: ",
                                            after.status().message()));
  }
  absl::StatusOr<std::string> new_rules = RulesOf(*after, p.detector);
  if (!new_rules.ok()) return new_rules.status();
  absl::StatusOr<rule::RuleSet> new_set = Compile(p.detector, *new_rules);
  if (!new_set.ok()) return new_set.status();
  const rule::RuleDecl* new_rule = FindRule(*new_set, p.rule);
  if (new_rule == nullptr || new_rule->mode != p.to ||
      (p.to == rule::Mode::kCanary && new_rule->canary_percent != percent) ||
      new_set->rules.size() != set->rules.size()) {
    return absl::InternalError("the edit did not give the requested mode");
  }
  PipelineConfig expected = *before;
  for (DetectorConfig& d : *expected.mutable_detectors()) {
    if (d.name() == p.detector) (*d.mutable_params())["rules"] = *new_rules;
  }
  if (!google::protobuf::util::MessageDifferencer::Equals(expected, *after)) {
    return absl::InternalError(
        "the edit changed more than the rule's mode; nothing was written");
  }
  result.after = *after;
  return result;
}

std::string ShadowRulesSection(const std::string& path, int samples) {
  if (!absl::EndsWith(path, ".jsonl") && !absl::EndsWith(path, ".json") &&
      !absl::EndsWith(path, ".ndjson")) {
    return "";
  }
  std::ifstream in(path);
  if (!in) return "";
  struct Tally {
    std::map<std::string, int64_t> routes;
    int64_t events = 0;
    std::vector<std::string> samples;
  };
  std::map<std::string, Tally> tallies;
  std::string line;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '{') continue;
    riskflow::v1::Decision d;
    if (!google::protobuf::util::JsonStringToMessage(line, &d, opts).ok()) {
      continue;
    }
    for (const auto& a : d.annotations()) {
      std::string rule, mode, would;
      for (const auto& e : a.evidence()) {
        if (e.key() == "rule") rule = e.value();
        if (e.key() == "mode") mode = e.value();
        if (e.key() == "would_route") would = e.value();
      }
      if (rule.empty() || would.empty() ||
          (mode != "shadow" && mode != "canary_shadow")) {
        continue;
      }
      Tally& t = tallies[absl::StrCat(a.detector(), "/", rule)];
      ++t.events;
      ++t.routes[would];
      if (static_cast<int>(t.samples.size()) < samples) {
        t.samples.push_back(d.event_id().empty() ? d.decision_id()
                                                 : d.event_id());
      }
    }
  }
  if (tallies.empty()) return "";
  std::vector<std::vector<std::string>> table = {
      {"SHADOW RULE", "WOULD FLAG", "WOULD ROUTE", "SAMPLE EVENTS"}};
  for (const auto& [name, t] : tallies) {
    std::string routes, ids;
    for (const auto& [r, n] : t.routes) {
      absl::StrAppend(&routes, routes.empty() ? "" : ", ", r, " ", n);
    }
    for (const std::string& id : t.samples) {
      absl::StrAppend(&ids, ids.empty() ? "" : " ", id);
    }
    table.push_back({name, absl::StrCat(t.events), routes, ids});
  }
  return "shadow rules (decided, not routed):\n" + FormatTable(table);
}

}  // namespace riskflow::cli
