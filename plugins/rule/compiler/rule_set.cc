#include "plugins/rule/compiler/rule_set.h"

#include <algorithm>
#include <functional>
#include <set>
#include <utility>

#include "plugins/rule/compiler/diagnostics.h"
#include "plugins/rule/compiler/fields.h"
#include "plugins/rule/compiler/lexer.h"
#include "plugins/rule/compiler/limits.h"
#include "plugins/rule/compiler/reason_template.h"
#include "plugins/rule/compiler/rule_lines.h"

namespace riskflow {
namespace rule {

const char* ModeName(Mode m) {
  switch (m) {
    case Mode::kShadow: return "shadow";
    case Mode::kCanary: return "canary";
    case Mode::kLive: return "live";
  }
  return "?";
}

bool ParseMode(std::string_view text, Mode* out) {
  if (text == "shadow") *out = Mode::kShadow;
  else if (text == "canary") *out = Mode::kCanary;
  else if (text == "live") *out = Mode::kLive;
  else return false;
  return true;
}

const char* RouteName(rf_route r) {
  switch (r) {
    case RF_ROUTE_PASS: return "PASS";
    case RF_ROUTE_NOTIFY: return "NOTIFY";
    case RF_ROUTE_MANUAL_REVIEW: return "MANUAL_REVIEW";
    case RF_ROUTE_FREEZE: return "FREEZE";
    default: return "UNSPECIFIED";
  }
}

bool ParseRouteName(std::string_view text, rf_route* out) {
  if (text == "PASS") *out = RF_ROUTE_PASS;
  else if (text == "NOTIFY") *out = RF_ROUTE_NOTIFY;
  else if (text == "MANUAL_REVIEW") *out = RF_ROUTE_MANUAL_REVIEW;
  else if (text == "FREEZE") *out = RF_ROUTE_FREEZE;
  else return false;
  return true;
}

namespace {

// A property being read: `key: value`, value possibly continued on more
// deeply indented lines (only `when`).
struct Property {
  std::string key;
  size_t key_offset = 0;
  size_t value_begin = 0;
  size_t value_end = 0;
};

class RuleSetParser {
 public:
  RuleSetParser(std::string_view text, RuleSet* out, bool one_line)
      : text_(text), source_(text), out_(out), one_line_(one_line) {}

  bool Run(std::string* error) {
    if (text_.size() > kMaxRuleSetBytes) {
      *error = "rules text is " + std::to_string(text_.size()) +
               " bytes, above the limit of " +
               std::to_string(kMaxRuleSetBytes);
      return false;
    }
    if (!Parse()) {
      *error = FormatError(source_, context_, error_, one_line_);
      return false;
    }
    if (out_->rules.empty()) {
      *error = "rules text declares no rule (write `rule NAME:` and a "
               "`when:` expression)";
      return false;
    }
    return true;
  }

 private:
  bool Fail(size_t offset, std::string message) {
    error_.where = source_.At(offset);
    error_.message = std::move(message);
    return false;
  }

  bool Parse() {
    const std::vector<Line> lines = SplitLines(text_);
    int prop_indent = -1;
    bool have_prop = false;
    Property prop;
    for (size_t li = 0; li < lines.size(); ++li) {
      const Line& l = lines[li];
      for (size_t i = l.begin; i < l.end && text_[i] != '#'; ++i) {
        if (text_[i] == '\t') {
          return Fail(i, "tab character; indent with spaces");
        }
        if (text_[i] == '"') break;  // tabs inside strings are the lexer's
      }
      if (l.blank) continue;
      if (l.indent == 0) {
        if (have_prop && !FinishProperty(prop)) return false;
        have_prop = false;
        if (section_ != kNone && !FinishSection()) return false;
        if (!Header(l, static_cast<int>(li))) return false;
        prop_indent = -1;
        continue;
      }
      if (section_ == kNone) {
        return Fail(l.begin + l.indent,
                    "expected `rule NAME:` or `aggregate NAME:` at the start "
                    "of the line");
      }
      const int indent = static_cast<int>(l.indent);
      if (prop_indent < 0 || indent == prop_indent) {
        prop_indent = indent;
        if (have_prop && !FinishProperty(prop)) return false;
        if (!StartProperty(l, &prop)) return false;
        have_prop = true;
      } else if (indent > prop_indent && have_prop) {
        if (prop.key != "when") {
          return Fail(l.begin + l.indent,
                      "only `when` may continue on the next line (this line "
                      "is indented deeper than `" +
                          prop.key + ":`)");
        }
        prop.value_end = l.end;
      } else {
        return Fail(l.begin + l.indent,
                    "indentation does not match the lines above (" +
                        std::to_string(prop_indent) + " spaces)");
      }
    }
    if (have_prop && !FinishProperty(prop)) return false;
    if (section_ != kNone && !FinishSection()) return false;
    return true;
  }

  bool Header(const Line& l, int line_index) {
    size_t i = l.begin;
    size_t word_end = i;
    while (word_end < l.end && IsNameChar(text_[word_end])) ++word_end;
    const std::string_view word = text_.substr(i, word_end - i);
    if (word != "rule" && word != "aggregate") {
      return Fail(i, "expected `rule NAME:` or `aggregate NAME:`");
    }
    size_t j = word_end;
    while (j < l.end && text_[j] == ' ') ++j;
    const size_t name_at = j;
    if (j >= l.end || !IsNameStart(text_[j])) {
      return Fail(j, "expected a name after `" + std::string(word) +
                         "` (lower case letters, digits and '_')");
    }
    while (j < l.end && IsNameChar(text_[j])) ++j;
    std::string name(text_.substr(name_at, j - name_at));
    if (name.size() > kMaxNameBytes) {
      return Fail(name_at, "name longer than " +
                               std::to_string(kMaxNameBytes) + " bytes");
    }
    while (j < l.end && text_[j] == ' ') ++j;
    if (j >= l.end || text_[j] != ':') {
      return Fail(j, "expected ':' after the name");
    }
    ++j;
    while (j < l.end && text_[j] == ' ') ++j;
    if (j < l.end && text_[j] != '#') {
      return Fail(j, "nothing may follow `" + std::string(word) + " " + name +
                         ":` on its line; put the keys on the lines below");
    }
    header_offset_ = l.begin;
    seen_keys_.clear();
    if (word == "rule") {
      for (const RuleDecl& r : out_->rules) {
        if (r.name == name) return Fail(name_at, "rule '" + name + "' declared twice");
      }
      if (out_->rules.size() >= kMaxRules) {
        return Fail(l.begin, "more than " + std::to_string(kMaxRules) +
                                 " rules in one detector; use another "
                                 "detector");
      }
      section_ = kRule;
      rule_ = RuleDecl();
      rule_.name = name;
      rule_.line = line_index + 1;
      reason_begin_ = reason_end_ = 0;
      has_reason_ = false;
      when_begin_ = when_end_ = 0;
      has_when_ = false;
      context_ = "rule '" + name + "'";
    } else {
      if (!out_->rules.empty()) {
        return Fail(l.begin,
                    "declare aggregates before the first rule");
      }
      for (const AggregateDecl& a : out_->aggregates) {
        if (a.name == name) return Fail(name_at, "aggregate '" + name + "' declared twice");
      }
      if (out_->aggregates.size() >= kMaxAggregates) {
        return Fail(l.begin, "more than " + std::to_string(kMaxAggregates) +
                                 " aggregates in one detector");
      }
      section_ = kAggregate;
      agg_ = AggregateDecl();
      agg_.name = name;
      has_kind_ = false;
      of_offset_ = 0;
      context_ = "aggregate '" + name + "'";
    }
    return true;
  }

  bool StartProperty(const Line& l, Property* p) {
    size_t i = l.begin + l.indent;
    size_t j = i;
    while (j < l.end && IsNameChar(text_[j])) ++j;
    if (j == i || j >= l.end || text_[j] != ':') {
      return Fail(i, "expected `key: value`");
    }
    p->key = std::string(text_.substr(i, j - i));
    p->key_offset = i;
    p->value_begin = j + 1;
    p->value_end = l.end;
    if (!seen_keys_.insert(p->key).second) {
      return Fail(i, "key '" + p->key + "' given twice");
    }
    return true;
  }

  // Lexes a one-line value; false with the error already set.
  bool Tokens(const Property& p, std::vector<Token>* out) {
    if (!Lex(source_, p.value_begin, p.value_end, out, &error_)) return false;
    if (out->size() == 1) {
      return Fail(p.key_offset, "'" + p.key + "' has no value");
    }
    return true;
  }

  bool OneToken(const Property& p, Tok kind, const char* what, Token* out) {
    std::vector<Token> t;
    if (!Tokens(p, &t)) return false;
    if (t[0].kind != kind || t.size() != 2) {
      return Fail(t[0].offset, "'" + p.key + "' expects " + what);
    }
    *out = t[0];
    return true;
  }

  bool FinishProperty(const Property& p) {
    return section_ == kRule ? RuleProperty(p) : AggregateProperty(p);
  }

  bool AggregateProperty(const Property& p) {
    Token t;
    if (p.key == "kind") {
      if (!OneToken(p, Tok::kIdent, "count, sum or distinct", &t)) return false;
      if (t.text == "count") agg_.kind = AggregateKind::kCount;
      else if (t.text == "sum") agg_.kind = AggregateKind::kSum;
      else if (t.text == "distinct") agg_.kind = AggregateKind::kDistinct;
      else return Fail(t.offset, "kind must be count, sum or distinct");
      has_kind_ = true;
      return true;
    }
    if (p.key == "of") {
      if (!OneToken(p, Tok::kIdent, "an event field", &t)) return false;
      agg_.of_field = FindField(t.text);
      if (agg_.of_field < 0) {
        return Fail(t.offset, "unknown field '" + t.text + "' (event fields: " +
                                  FieldNames() + ")");
      }
      of_offset_ = t.offset;
      return true;
    }
    if (p.key == "window" || p.key == "bucket") {
      if (!OneToken(p, Tok::kDuration, "a duration like 1h", &t)) return false;
      if (t.int_value <= 0 || t.int_value > kMaxWindowMs) {
        return Fail(t.offset, p.key + " must be between 1ms and 31d");
      }
      (p.key == "window" ? agg_.window_ms : agg_.bucket_ms) = t.int_value;
      window_offset_ = t.offset;
      return true;
    }
    if (p.key == "currency") {
      std::vector<Token> v;
      if (!Tokens(p, &v)) return false;
      if (v.size() != 2 ||
          (v[0].kind != Tok::kIdent && v[0].kind != Tok::kString) ||
          v[0].text.size() != 3) {
        return Fail(v[0].offset, "currency expects an ISO-4217 code like CNY");
      }
      agg_.currency = v[0].text;
      return true;
    }
    if (p.key == "types") {
      return TypeList(p, &agg_.types);
    }
    return Fail(p.key_offset, "unknown key '" + p.key +
                                  "' in an aggregate (expected kind, of, "
                                  "types, currency, window, bucket)");
  }

  bool TypeList(const Property& p, std::vector<std::string>* out) {
    std::vector<Token> v;
    if (!Tokens(p, &v)) return false;
    size_t i = 0;
    const bool bracket = v[0].kind == Tok::kLBracket;
    if (bracket) ++i;
    while (true) {
      if (v[i].kind != Tok::kIdent && v[i].kind != Tok::kString) {
        return Fail(v[i].offset, "expected an event type like PAYOUT");
      }
      if (!IsEventTypeName(v[i].text)) {
        return Fail(v[i].offset, "unknown event type '" + v[i].text + "'");
      }
      out->push_back(v[i].text);
      ++i;
      if (v[i].kind == Tok::kComma) {
        ++i;
        continue;
      }
      break;
    }
    if (bracket) {
      if (v[i].kind != Tok::kRBracket) return Fail(v[i].offset, "expected ']'");
      ++i;
    }
    if (v[i].kind != Tok::kEnd) return Fail(v[i].offset, "expected the end of the line");
    return true;
  }

  bool RuleProperty(const Property& p) {
    Token t;
    if (p.key == "when") {
      when_begin_ = p.value_begin;
      when_end_ = p.value_end;
      has_when_ = true;
      return true;
    }
    if (p.key == "reason") {
      reason_begin_ = p.value_begin;
      reason_end_ = p.value_end;
      has_reason_ = true;
      return true;
    }
    if (p.key == "route" || p.key == "on_error") {
      if (!OneToken(p, Tok::kIdent, "a route", &t)) return false;
      rf_route r;
      if (!ParseRouteName(t.text, &r) ||
          (p.key == "route" && r == RF_ROUTE_PASS)) {
        return Fail(t.offset, p.key == "route"
                                  ? "route must be FREEZE, NOTIFY or "
                                    "MANUAL_REVIEW"
                                  : "on_error must be FREEZE, NOTIFY, "
                                    "MANUAL_REVIEW or PASS");
      }
      (p.key == "route" ? rule_.route : rule_.on_error) = r;
      return true;
    }
    if (p.key == "mode") {
      if (!OneToken(p, Tok::kIdent, "shadow, canary or live", &t)) return false;
      if (!ParseMode(t.text, &rule_.mode)) {
        return Fail(t.offset, "mode must be shadow, canary or live");
      }
      return true;
    }
    if (p.key == "canary_percent") {
      if (!OneToken(p, Tok::kInt, "a whole number 0..100", &t)) return false;
      if (t.int_value > 100) {
        return Fail(t.offset, "canary_percent must be between 0 and 100");
      }
      rule_.canary_percent = static_cast<int>(t.int_value);
      has_percent_ = true;
      return true;
    }
    if (p.key == "code") {
      if (!OneToken(p, Tok::kIdent, "a code like BIG_PAYOUT", &t)) return false;
      for (char c : t.text) {
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
          return Fail(t.offset, "code is upper case letters, digits and '_'");
        }
      }
      rule_.code = t.text;
      return true;
    }
    if (p.key == "score") return Score(p);
    return Fail(p.key_offset, "unknown key '" + p.key +
                                  "' in a rule (expected when, route, "
                                  "reason, mode, canary_percent, on_error, "
                                  "code, score)");
  }

  // A decimal 0..1, read exactly (the language itself has no decimals).
  bool Score(const Property& p) {
    size_t i = p.value_begin, e = p.value_end;
    while (i < e && text_[i] == ' ') ++i;
    size_t j = i;
    while (j < e && text_[j] != ' ' && text_[j] != '#') ++j;
    std::string v(text_.substr(i, j - i));
    double d = -1;
    int digits = 0;
    bool ok = !v.empty();
    bool dot = false;
    double scale = 1;
    double value = 0;
    for (char c : v) {
      if (c == '.' && !dot) {
        dot = true;
      } else if (c >= '0' && c <= '9' && ++digits <= 6) {
        if (dot) {
          scale /= 10;
          value += (c - '0') * scale;
        } else {
          value = value * 10 + (c - '0');
        }
      } else {
        ok = false;
      }
    }
    if (ok) d = value;
    if (!ok || d < 0 || d > 1) {
      return Fail(i, "score must be a number between 0 and 1, e.g. 0.8");
    }
    rule_.score = d;
    return true;
  }

  bool FinishSection() {
    const bool ok = section_ == kRule ? FinishRule() : FinishAggregate();
    section_ = kNone;
    return ok;
  }

  bool FinishAggregate() {
    if (!has_kind_) return Fail(header_offset_, "aggregate needs `kind:`");
    if (agg_.window_ms == 0) {
      return Fail(header_offset_,
                  "aggregate needs `window:` (the longest window rules read)");
    }
    if (agg_.kind == AggregateKind::kCount && agg_.of_field >= 0) {
      return Fail(of_offset_, "a count aggregate counts events; drop `of:`");
    }
    if (agg_.kind != AggregateKind::kCount) {
      if (agg_.of_field < 0) {
        return Fail(header_offset_, std::string("a ") +
                                        AggregateKindName(agg_.kind) +
                                        " aggregate needs `of: FIELD`");
      }
      const Type want = agg_.kind == AggregateKind::kSum ? Type::kInt
                                                         : Type::kString;
      if (Field(agg_.of_field).type != want) {
        return Fail(of_offset_, std::string(AggregateKindName(agg_.kind)) +
                                    " needs a " + TypeName(want) +
                                    " field, got " +
                                    TypeName(Field(agg_.of_field).type) +
                                    " field '" + Field(agg_.of_field).name +
                                    "'");
      }
    }
    if (agg_.bucket_ms == 0) {
      // Fine buckets for short windows, coarser for long ones, so a 7-day
      // window is ~10K buckets, not 600K.
      agg_.bucket_ms = agg_.window_ms <= 3600LL * 1000 ? 1000 : 60 * 1000;
      agg_.bucket_ms = std::min(agg_.bucket_ms, agg_.window_ms);
    }
    if (agg_.bucket_ms > agg_.window_ms) {
      return Fail(window_offset_, "bucket is longer than the window");
    }
    out_->aggregates.push_back(std::move(agg_));
    infos_.push_back(AggregateInfo{out_->aggregates.back().name,
                                   out_->aggregates.back().kind,
                                   out_->aggregates.back().window_ms});
    return true;
  }

  bool FinishRule() {
    if (!has_when_) return Fail(header_offset_, "rule needs `when:`");
    if (rule_.route == RF_ROUTE_UNSPECIFIED) {
      return Fail(header_offset_,
                  "rule needs `route:` (FREEZE, NOTIFY or MANUAL_REVIEW)");
    }
    if (rule_.mode == Mode::kCanary && !has_percent_) {
      return Fail(header_offset_, "a canary rule needs `canary_percent:`");
    }
    has_percent_ = false;
    const Type want = Type::kBool;
    if (!CompileExpression(source_, when_begin_, when_end_, infos_, &want,
                           &rule_.when, &error_)) {
      return false;
    }
    if (rule_.code.empty()) {
      for (char c : rule_.name) {
        rule_.code += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
      }
    }
    if (has_reason_) {
      if (!CompileReason(source_, reason_begin_, reason_end_, infos_,
                         &rule_.reason, &error_)) {
        return false;
      }
    } else {
      ReasonPart part;
      part.literal = "rule " + rule_.name + " matched";
      rule_.reason.push_back(std::move(part));
    }
    out_->rules.push_back(std::move(rule_));
    return true;
  }

  enum Section { kNone, kRule, kAggregate };

  std::string_view text_;
  SourceText source_;
  RuleSet* out_;
  bool one_line_;
  CompileError error_;
  std::string context_;
  Section section_ = kNone;
  size_t header_offset_ = 0;
  std::set<std::string> seen_keys_;
  std::vector<AggregateInfo> infos_;

  AggregateDecl agg_;
  bool has_kind_ = false;
  size_t of_offset_ = 0;
  size_t window_offset_ = 0;

  RuleDecl rule_;
  bool has_when_ = false;
  size_t when_begin_ = 0, when_end_ = 0;
  bool has_reason_ = false;
  size_t reason_begin_ = 0, reason_end_ = 0;
  bool has_percent_ = false;
};

}  // namespace

bool CompileRuleSet(std::string_view text, RuleSet* out, std::string* error,
                    bool one_line) {
  *out = RuleSet();
  return RuleSetParser(text, out, one_line).Run(error);
}

}  // namespace rule
}  // namespace riskflow
