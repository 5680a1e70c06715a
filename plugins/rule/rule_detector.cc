#include "plugins/rule/rule_detector.h"

#include <string>

#include "plugins/rule/canary.h"
#include "plugins/rule/compiler/diagnostics.h"
#include "plugins/rule/compiler/limits.h"
#include "plugins/rule/reason_text.h"

namespace riskflow {
namespace rule {

const std::vector<rf_param_spec>& RuleParams() {
  static const std::vector<rf_param_spec> kParams = {
      sdk::RequiredParam(
          "rules", RF_PARAM_STRING,
          "The rule set: `aggregate NAME:` and `rule NAME:` blocks (write it "
          "as a YAML block scalar, `rules: |`). See docs/rules.md."),
      sdk::Param("key", RF_PARAM_STRING, "account",
                 "Entity the aggregates are kept per: account, counterparty, "
                 "device or ip. The detector runs on the shard owning that "
                 "value, so windows are exact whatever the shard count."),
      sdk::Param("cny_rates", RF_PARAM_LIST, nullptr,
                 "CNY per unit of other currencies for `amount_cny`, "
                 "CUR:rate items with up to 6 decimals, e.g. "
                 "\"USD:7.10,EUR:7.85\". Without a rate amount_cny is 0 and "
                 "has_amount_cny false."),
      sdk::WithRange(
          sdk::Param("max_steps", RF_PARAM_INT, "20000",
                     "Evaluation steps per event for all rules together; "
                     "a rule that runs out takes its on_error route."),
          1, static_cast<double>(kMaxStepBudget)),
  };
  return kParams;
}

// Reads aggregates for the evaluator, once per (aggregate, window) per
// event: a rule and its reason often read the same value.
class RuleDetector::Env : public Environment {
 public:
  Env(sdk::Context& ctx, const sdk::Event& event,
      const std::vector<sdk::StateHandle>& handles, const RuleSet& rules,
      std::string_view entity)
      : ctx_(ctx), event_(event), handles_(handles), rules_(rules),
        entity_(entity) {}

  bool Aggregate(int index, int64_t window_ms, int64_t* out) override {
    for (int i = 0; i < cached_; ++i) {
      if (cache_[i].index == index && cache_[i].window_ms == window_ms) {
        *out = cache_[i].value;
        return true;
      }
    }
    int64_t v = 0;
    // No entity (e.g. key: device on an event without a device): nothing
    // was counted for it, and reading one shared empty key would mix
    // unrelated events.
    if (!entity_.empty()) {
      const sdk::StateHandle h = handles_[index];
      v = rules_.aggregates[index].kind == AggregateKind::kDistinct
              ? ctx_.CountDistinct(h, entity_, window_ms)
              : ctx_.Total(h, entity_, window_ms);
      if (!ctx_.ok()) return false;
    }
    if (cached_ < kCache) cache_[cached_++] = {index, window_ms, v};
    *out = v;
    return true;
  }

  std::string_view Attribute(std::string_view key) override {
    std::optional<std::string_view> v = event_.Attribute(key);
    return v ? *v : std::string_view();
  }

 private:
  static constexpr int kCache = 32;
  struct Entry {
    int index;
    int64_t window_ms;
    int64_t value;
  };
  sdk::Context& ctx_;
  const sdk::Event& event_;
  const std::vector<sdk::StateHandle>& handles_;
  const RuleSet& rules_;
  std::string_view entity_;
  Entry cache_[kCache];
  int cached_ = 0;
};

sdk::Status RuleDetector::Init(sdk::InitContext& ctx,
                               const sdk::Params& params) {
  const std::string key = params.String("key", "account");
  rf_partition_key partition;
  if (key == "account") {
    key_field_ = kFieldAccount;
    partition = RF_PARTITION_ACCOUNT;
  } else if (key == "counterparty") {
    key_field_ = kFieldCounterparty;
    partition = RF_PARTITION_COUNTERPARTY;
  } else if (key == "device") {
    key_field_ = kFieldDevice;
    partition = RF_PARTITION_DEVICE;
  } else if (key == "ip") {
    key_field_ = kFieldIp;
    partition = RF_PARTITION_IP;
  } else {
    return sdk::Status::Error("parameter 'key': '" + key +
                              "' is not account, counterparty, device or ip");
  }
  sdk::Status s = ctx.PartitionBy(partition);
  if (!s.ok()) return s;
  if (params.Has("cny_rates")) {
    std::string error;
    if (!ParseCnyRates(params.String("cny_rates"), &rates_, &error)) {
      return sdk::Status::Error(error);
    }
  }
  max_steps_ = params.Int("max_steps", kDefaultStepBudget);
  rules_text_ = params.String("rules");
  std::string error;
  // One line: the host blanks newlines in a plugin's error text.
  if (!CompileRuleSet(rules_text_, &rules_, &error, /*one_line=*/true)) {
    return sdk::Status::Error("parameter 'rules': " + error);
  }
  for (const AggregateDecl& a : rules_.aggregates) {
    sdk::StateHandle h = 0;
    const char* name = a.name.c_str();
    switch (a.kind) {
      case AggregateKind::kCount:
        s = ctx.DeclareCounter(name, a.window_ms, a.bucket_ms, &h);
        break;
      case AggregateKind::kSum:
        s = ctx.DeclareSum(name, a.window_ms, a.bucket_ms, &h);
        break;
      case AggregateKind::kDistinct:
        s = ctx.DeclareDistinct(name, a.window_ms, a.bucket_ms, &h);
        break;
    }
    if (!s.ok()) return s;
    handles_.push_back(h);
  }
  for (const RuleDecl& r : rules_.rules) {
    evaluator_.Reserve(r.when);
    for (const ReasonPart& p : r.reason) {
      if (p.is_expr) evaluator_.Reserve(p.expr);
    }
  }
  return sdk::Status::Ok();
}

void RuleDetector::UpdateAggregates(sdk::Context& ctx, const sdk::Event& event,
                                    std::string_view entity) {
  if (entity.empty()) return;
  const std::string_view type = fields_[kFieldType].str();
  for (size_t i = 0; i < rules_.aggregates.size(); ++i) {
    const AggregateDecl& a = rules_.aggregates[i];
    if (!a.types.empty()) {
      bool match = false;
      for (const std::string& t : a.types) match = match || t == type;
      if (!match) continue;
    }
    if (!a.currency.empty() && a.currency != event.currency()) continue;
    switch (a.kind) {
      case AggregateKind::kCount:
        ctx.Add(handles_[i], entity, 1);
        break;
      case AggregateKind::kSum: {
        const int64_t v = fields_[a.of_field].i;
        // Adding zero changes no sum and would cost a state write.
        if (v != 0) ctx.Add(handles_[i], entity, v);
        break;
      }
      case AggregateKind::kDistinct: {
        const std::string_view member = fields_[a.of_field].str();
        if (!member.empty()) ctx.AddDistinct(handles_[i], entity, member);
        break;
      }
    }
    if (!ctx.ok()) return;
  }
}

namespace {

// The route an annotation asks for, and what is recorded about it.
struct Effective {
  rf_route hint;
  bool routed;
};

Effective Decide(const RuleDecl& rule, rf_route wanted,
                 std::string_view account, std::string* mode_text) {
  switch (rule.mode) {
    case Mode::kLive:
      *mode_text = "live";
      return {wanted, true};
    case Mode::kCanary:
      if (InCanary(account, rule.canary_percent)) {
        *mode_text = "canary";
        return {wanted, true};
      }
      *mode_text = "canary_shadow";
      return {RF_ROUTE_PASS, false};
    case Mode::kShadow:
      break;
  }
  *mode_text = "shadow";
  // PASS: the router takes the hint (the detector has no `route:`), and
  // PASS adds nothing to the decision's routes; the annotation stays in the
  // decision for the shadow report.
  return {RF_ROUTE_PASS, false};
}

void AppendInt(int64_t v, std::string* out) { *out += std::to_string(v); }

}  // namespace

void RuleDetector::Fire(sdk::Context& ctx, const RuleDecl& rule,
                        const sdk::Event& event, Env& env, int64_t* budget) {
  std::string message;
  for (const ReasonPart& p : rule.reason) {
    if (!p.is_expr) {
      AppendClean(p.literal, kMaxReasonBytes, &message);
      continue;
    }
    EvalResult r = evaluator_.Run(p.expr, env, budget);
    if (!ctx.ok()) return;
    std::string value;
    if (r.status != EvalStatus::kOk) {
      value = "?";  // the rule matched; a bad placeholder must not hide it
    } else if (p.expr.result == Type::kInt) {
      AppendInt(r.value.i, &value);
    } else if (p.expr.result == Type::kBool) {
      value = r.value.i ? "true" : "false";
    } else {
      AppendClean(r.value.str(), kMaxPlaceholderBytes, &value);
    }
    AppendClean(value, kMaxReasonBytes, &message);
  }
  sdk::Annotation a;
  a.score = rule.score;
  a.reason_code = rule.code;
  a.message = std::move(message);
  std::string mode;
  const Effective e = Decide(rule, rule.route, event.account_id(), &mode);
  a.route_hint = e.hint;
  a.evidence = {{"rule", rule.name}, {"mode", mode}};
  a.evidence.emplace_back(e.routed ? "route" : "would_route",
                          RouteName(rule.route));
  if (rule.mode == Mode::kCanary) {
    // The account's bucket and the share routed: bucket < percent routes.
    a.evidence.emplace_back("canary_bucket",
                            std::to_string(CanaryBucket(event.account_id())));
    a.evidence.emplace_back("canary_percent",
                            std::to_string(rule.canary_percent));
  }
  ctx.Annotate(a);
}

void RuleDetector::Error(sdk::Context& ctx, const RuleDecl& rule,
                         const sdk::Event& event, const EvalResult& result) {
  const Location at = SourceText(rules_text_).At(result.failed_offset);
  sdk::Annotation a;
  a.score = rule.score;
  a.reason_code = "RULE_ERROR";
  a.message = "rule '" + rule.name + "' could not be evaluated: " +
              EvalStatusText(result.status) + " at line " +
              std::to_string(at.line) + ", column " +
              std::to_string(at.column) + " of the rules";
  std::string mode;
  const Effective e = Decide(rule, rule.on_error, event.account_id(), &mode);
  a.route_hint = e.hint;
  a.evidence = {{"rule", rule.name},
                {"mode", mode},
                {"error", EvalStatusText(result.status)}};
  a.evidence.emplace_back(e.routed ? "route" : "would_route",
                          RouteName(rule.on_error));
  ctx.Annotate(a);
}

sdk::Status RuleDetector::OnEvent(sdk::Context& ctx, const sdk::Event& event) {
  FillFields(event.raw(), rates_, fields_);
  const std::string_view entity = fields_[key_field_].str();
  UpdateAggregates(ctx, event, entity);
  if (!ctx.ok()) return ctx.status();
  Env env(ctx, event, handles_, rules_, entity);
  env.fields = fields_;
  int64_t budget = max_steps_;
  for (const RuleDecl& rule : rules_.rules) {
    const EvalResult r = evaluator_.Run(rule.when, env, &budget);
    // A failed state read is the host's fault, not the rule's: the host's
    // fault handling (on_error of the detector, quarantine) applies.
    if (!ctx.ok()) return ctx.status();
    if (r.status != EvalStatus::kOk) {
      Error(ctx, rule, event, r);
      // Later rules still get what is left (nothing, after the budget ran
      // out: they too report it instead of silently passing).
      continue;
    }
    if (r.value.i != 0) Fire(ctx, rule, event, env, &budget);
    if (!ctx.ok()) return ctx.status();
  }
  return ctx.status();
}

}  // namespace rule
}  // namespace riskflow
