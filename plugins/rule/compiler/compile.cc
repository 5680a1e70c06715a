#include "plugins/rule/compiler/compile.h"

#include <algorithm>
#include <string>
#include <utility>

#include "plugins/rule/compiler/fields.h"
#include "plugins/rule/compiler/limits.h"
#include "plugins/rule/compiler/parser.h"

namespace riskflow {
namespace rule {

const char* AggregateKindName(AggregateKind k) {
  switch (k) {
    case AggregateKind::kCount: return "count";
    case AggregateKind::kSum: return "sum";
    case AggregateKind::kDistinct: return "distinct";
  }
  return "?";
}

std::string BuiltinNames() {
  return "count(agg, window), sum(agg, window), distinct(agg, window), "
         "abs(x), min(x, y), max(x, y), contains(s, t), starts_with(s, t), "
         "ends_with(s, t), attr(\"key\")";
}

namespace {

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

class Compiler {
 public:
  Compiler(const SourceText& source, const Ast& ast,
           const std::vector<AggregateInfo>& aggregates, Program* out)
      : source_(source), ast_(ast), aggregates_(aggregates), out_(out) {}

  bool Run(const Type* want, CompileError* error) {
    error_ = error;
    Type t;
    if (!Emit(ast_.root, &t)) return false;
    if (want != nullptr && t != *want) {
      return Fail(ast_.nodes[ast_.root].offset,
                  std::string("expected a ") + TypeName(*want) +
                      " expression, got " + Describe(ast_.root, t));
    }
    out_->result = t;
    out_->node_count = ast_.nodes.size();
    return true;
  }

 private:
  bool Fail(size_t offset, std::string message) {
    error_->where = source_.At(offset);
    error_->message = std::move(message);
    return false;
  }

  const Node& N(int i) const { return ast_.nodes[i]; }

  // "string field 'currency'", "number 5", "a number".
  std::string Describe(int i, Type t) const {
    const Node& n = N(i);
    switch (n.kind) {
      case NodeKind::kName:
        return std::string(TypeName(t)) + " field '" + n.text + "'";
      case NodeKind::kInt:
        return "number " + std::to_string(n.int_value);
      case NodeKind::kDuration:
        return "duration " + std::to_string(n.int_value) + "ms";
      case NodeKind::kString:
        return "string " + Quote(n.text);
      case NodeKind::kBool:
        return n.int_value ? "true" : "false";
      case NodeKind::kCall:
        return std::string(TypeName(t)) + " from " + n.text + "()";
      default:
        return std::string("a ") + TypeName(t) + " value";
    }
  }

  void Push(Op op, size_t offset, int32_t a = 0, int64_t imm = 0) {
    Instr in;
    in.op = op;
    in.a = a;
    in.imm = imm;
    out_->code.push_back(in);
    out_->offsets.push_back(offset);
    // Stack effect, to size the evaluator's stack.
    switch (op) {
      case Op::kPushInt: case Op::kPushStr: case Op::kLoadField:
      case Op::kAttr: case Op::kAggregate:
        ++depth_;
        break;
      case Op::kNeg: case Op::kNot: case Op::kAbs: case Op::kInInt:
      case Op::kInStr:
        break;
      case Op::kJumpIfFalse: case Op::kJumpIfTrue:
        --depth_;  // on the fall-through path
        break;
      default:
        --depth_;  // binary
        break;
    }
    out_->max_stack = std::max(out_->max_stack, static_cast<size_t>(depth_ + 1));
  }

  int32_t AddString(const std::string& s) {
    out_->strings.push_back(s);
    return static_cast<int32_t>(out_->strings.size() - 1);
  }

  bool Expect(int i, Type got, Type want, const char* what, size_t at) {
    if (got == want) return true;
    return Fail(at, std::string("'") + what + "' needs " +
                        (want == Type::kInt     ? "numbers"
                         : want == Type::kBool  ? "true/false values"
                                                : "strings") +
                        ", got " + Describe(i, got));
  }

  // The value of `type ==` / `type in` comparisons is checked against the
  // known event types, so a typo is a load error, not a rule that never
  // fires.
  bool CheckEventTypeLiteral(int field_node, int literal_node) {
    const Node& f = N(field_node);
    const Node& l = N(literal_node);
    if (f.kind != NodeKind::kName || f.text != "type" ||
        l.kind != NodeKind::kString || IsEventTypeName(l.text)) {
      return true;
    }
    return Fail(l.offset, "unknown event type " + Quote(l.text) +
                              " (PAYMENT, PAYOUT, TRANSFER, REFUND, LOGIN, "
                              "AUTH_FAILURE, PROFILE_CHANGE, "
                              "BALANCE_SNAPSHOT, DEPOSIT)");
  }

  bool Emit(int i, Type* t) {
    const Node& n = N(i);
    switch (n.kind) {
      case NodeKind::kInt:
      case NodeKind::kDuration:
        Push(Op::kPushInt, n.offset, 0, n.int_value);
        *t = Type::kInt;
        return true;
      case NodeKind::kBool:
        Push(Op::kPushInt, n.offset, 0, n.int_value);
        *t = Type::kBool;
        return true;
      case NodeKind::kString:
        Push(Op::kPushStr, n.offset, AddString(n.text));
        *t = Type::kString;
        return true;
      case NodeKind::kName:
        return EmitName(n, t);
      case NodeKind::kUnary:
        return EmitUnary(i, t);
      case NodeKind::kBinary:
        return EmitBinary(i, t);
      case NodeKind::kIn:
        return EmitIn(i, t);
      case NodeKind::kList:
        return Fail(n.offset, "a list can only follow 'in'");
      case NodeKind::kCall:
        return EmitCall(i, t);
    }
    return Fail(n.offset, "internal: unknown node");
  }

  const AggregateInfo* FindAggregate(const std::string& name, int* index) {
    for (size_t k = 0; k < aggregates_.size(); ++k) {
      if (aggregates_[k].name == name) {
        *index = static_cast<int>(k);
        return &aggregates_[k];
      }
    }
    return nullptr;
  }

  bool EmitName(const Node& n, Type* t) {
    const int field = FindField(n.text);
    if (field >= 0) {
      Push(Op::kLoadField, n.offset, field);
      *t = Field(field).type;
      return true;
    }
    int index = 0;
    if (const AggregateInfo* a = FindAggregate(n.text, &index)) {
      return Fail(n.offset, "'" + n.text + "' is an aggregate; read it with " +
                                AggregateKindName(a->kind) + "(" + n.text +
                                ", 1h)");
    }
    return Fail(n.offset, "unknown name '" + n.text + "' (event fields: " +
                              FieldNames() + ")");
  }

  bool EmitUnary(int i, Type* t) {
    const Node& n = N(i);
    Type a;
    if (!Emit(n.args[0], &a)) return false;
    if (n.op == Tok::kNot) {
      if (!Expect(n.args[0], a, Type::kBool, "!", n.offset)) return false;
      Push(Op::kNot, n.offset);
      *t = Type::kBool;
    } else {
      if (!Expect(n.args[0], a, Type::kInt, "-", n.offset)) return false;
      Push(Op::kNeg, n.offset);
      *t = Type::kInt;
    }
    return true;
  }

  bool EmitBinary(int i, Type* t) {
    const Node& n = N(i);
    const char* spelling = TokSpelling(n.op);
    Type a, b;
    if (n.op == Tok::kAnd || n.op == Tok::kOr) {
      if (!Emit(n.args[0], &a) ||
          !Expect(n.args[0], a, Type::kBool, spelling, n.offset)) {
        return false;
      }
      const size_t jump = out_->code.size();
      Push(n.op == Tok::kAnd ? Op::kJumpIfFalse : Op::kJumpIfTrue, n.offset);
      if (!Emit(n.args[1], &b) ||
          !Expect(n.args[1], b, Type::kBool, spelling, n.offset)) {
        return false;
      }
      out_->code[jump].a = static_cast<int32_t>(out_->code.size());
      *t = Type::kBool;
      return true;
    }
    if (!Emit(n.args[0], &a) || !Emit(n.args[1], &b)) return false;
    switch (n.op) {
      case Tok::kPlus: case Tok::kMinus: case Tok::kStar: case Tok::kSlash:
      case Tok::kPercent:
        if (!Expect(n.args[0], a, Type::kInt, spelling, n.offset) ||
            !Expect(n.args[1], b, Type::kInt, spelling, n.offset)) {
          return false;
        }
        Push(n.op == Tok::kPlus    ? Op::kAdd
             : n.op == Tok::kMinus ? Op::kSub
             : n.op == Tok::kStar  ? Op::kMul
             : n.op == Tok::kSlash ? Op::kDiv
                                   : Op::kMod,
             n.offset);
        *t = Type::kInt;
        return true;
      case Tok::kLt: case Tok::kLe: case Tok::kGt: case Tok::kGe:
        if (!Expect(n.args[0], a, Type::kInt, spelling, n.offset) ||
            !Expect(n.args[1], b, Type::kInt, spelling, n.offset)) {
          return false;
        }
        Push(n.op == Tok::kLt   ? Op::kLt
             : n.op == Tok::kLe ? Op::kLe
             : n.op == Tok::kGt ? Op::kGt
                                : Op::kGe,
             n.offset);
        *t = Type::kBool;
        return true;
      case Tok::kEq: case Tok::kNe: {
        if (a != b) {
          return Fail(n.offset, std::string("'") + spelling +
                                    "' compares values of one type, got " +
                                    Describe(n.args[0], a) + " and " +
                                    Describe(n.args[1], b));
        }
        if (!CheckEventTypeLiteral(n.args[0], n.args[1]) ||
            !CheckEventTypeLiteral(n.args[1], n.args[0])) {
          return false;
        }
        const bool eq = n.op == Tok::kEq;
        Push(a == Type::kString ? (eq ? Op::kEqStr : Op::kNeStr)
                                : (eq ? Op::kEqInt : Op::kNeInt),
             n.offset);
        *t = Type::kBool;
        return true;
      }
      default:
        return Fail(n.offset, "internal: unknown operator");
    }
  }

  // A list item must be a constant: a literal, or '-' and a number.
  bool ConstantItem(int i, Type* t, int64_t* iv, std::string* sv) {
    const Node& n = N(i);
    if (n.kind == NodeKind::kInt || n.kind == NodeKind::kDuration) {
      *t = Type::kInt;
      *iv = n.int_value;
      return true;
    }
    if (n.kind == NodeKind::kString) {
      *t = Type::kString;
      *sv = n.text;
      return true;
    }
    if (n.kind == NodeKind::kUnary && n.op == Tok::kMinus &&
        N(n.args[0]).kind == NodeKind::kInt) {
      *t = Type::kInt;
      *iv = -N(n.args[0]).int_value;
      return true;
    }
    return Fail(n.offset, "list items must be numbers or strings written out");
  }

  bool EmitIn(int i, Type* t) {
    const Node& n = N(i);
    Type a;
    if (!Emit(n.args[0], &a)) return false;
    if (a == Type::kBool) {
      return Fail(n.offset, "'in' needs a number or a string on its left, got " +
                                Describe(n.args[0], a));
    }
    const Node& list = N(n.args[1]);
    std::vector<int64_t> ints;
    std::vector<std::string> strs;
    for (int item : list.args) {
      Type it;
      int64_t iv = 0;
      std::string sv;
      if (!ConstantItem(item, &it, &iv, &sv)) return false;
      if (it != a) {
        return Fail(N(item).offset, std::string("list item is a ") +
                                        TypeName(it) + ", but the left of "
                                        "'in' is " + Describe(n.args[0], a));
      }
      if (!CheckEventTypeLiteral(n.args[0], item)) return false;
      if (a == Type::kInt) ints.push_back(iv);
      else strs.push_back(std::move(sv));
    }
    if (a == Type::kInt) {
      out_->int_lists.push_back(std::move(ints));
      Push(Op::kInInt, n.offset,
           static_cast<int32_t>(out_->int_lists.size() - 1));
    } else {
      out_->str_lists.push_back(std::move(strs));
      Push(Op::kInStr, n.offset,
           static_cast<int32_t>(out_->str_lists.size() - 1));
    }
    *t = Type::kBool;
    return true;
  }

  bool Arity(const Node& n, size_t count) {
    if (n.args.size() == count) return true;
    return Fail(n.offset, n.text + "() takes " + std::to_string(count) +
                              " argument" + (count == 1 ? "" : "s") + ", got " +
                              std::to_string(n.args.size()));
  }

  bool EmitAggregate(const Node& n, AggregateKind kind, Type* t) {
    if (!Arity(n, 2)) return false;
    const Node& name = N(n.args[0]);
    const Node& window = N(n.args[1]);
    if (name.kind != NodeKind::kName) {
      return Fail(name.offset, n.text + "() needs a declared aggregate's name "
                               "as its first argument");
    }
    int index = 0;
    const AggregateInfo* a = FindAggregate(name.text, &index);
    if (a == nullptr) {
      std::string declared;
      for (const AggregateInfo& x : aggregates_) {
        if (!declared.empty()) declared += ", ";
        declared += x.name;
      }
      return Fail(name.offset,
                  "unknown aggregate '" + name.text + "' (declared: " +
                      (declared.empty() ? "none" : declared) + ")");
    }
    if (a->kind != kind) {
      return Fail(n.offset, "'" + a->name + "' is a " +
                                AggregateKindName(a->kind) +
                                " aggregate; read it with " +
                                AggregateKindName(a->kind) + "(" + a->name +
                                ", ...)");
    }
    if (window.kind != NodeKind::kDuration) {
      return Fail(window.offset,
                  n.text + "() needs a window written as a duration, e.g. 1h");
    }
    if (window.int_value <= 0 || window.int_value > a->window_ms) {
      return Fail(window.offset,
                  "window " + std::to_string(window.int_value) +
                      "ms is longer than the " + std::to_string(a->window_ms) +
                      "ms declared for aggregate '" + a->name + "'");
    }
    Push(Op::kAggregate, n.offset, index, window.int_value);
    *t = Type::kInt;
    return true;
  }

  bool EmitCall(int i, Type* t) {
    const Node& n = N(i);
    const std::string& f = n.text;
    if (f == "count") return EmitAggregate(n, AggregateKind::kCount, t);
    if (f == "sum") return EmitAggregate(n, AggregateKind::kSum, t);
    if (f == "distinct") return EmitAggregate(n, AggregateKind::kDistinct, t);
    if (f == "attr") {
      if (!Arity(n, 1)) return false;
      if (N(n.args[0]).kind != NodeKind::kString) {
        return Fail(N(n.args[0]).offset,
                    "attr() needs the attribute's key as a string literal");
      }
      Push(Op::kAttr, n.offset, AddString(N(n.args[0]).text));
      *t = Type::kString;
      return true;
    }
    if (f == "abs") {
      Type a;
      if (!Arity(n, 1) || !Emit(n.args[0], &a) ||
          !Expect(n.args[0], a, Type::kInt, "abs", n.offset)) {
        return false;
      }
      Push(Op::kAbs, n.offset);
      *t = Type::kInt;
      return true;
    }
    if (f == "min" || f == "max") {
      if (n.args.size() < 2) {
        return Fail(n.offset, f + "() takes at least 2 arguments");
      }
      for (size_t k = 0; k < n.args.size(); ++k) {
        Type a;
        if (!Emit(n.args[k], &a) ||
            !Expect(n.args[k], a, Type::kInt, f.c_str(), n.offset)) {
          return false;
        }
        if (k > 0) Push(f == "min" ? Op::kMin : Op::kMax, n.offset);
      }
      *t = Type::kInt;
      return true;
    }
    if (f == "contains" || f == "starts_with" || f == "ends_with") {
      Type a, b;
      if (!Arity(n, 2) || !Emit(n.args[0], &a) ||
          !Expect(n.args[0], a, Type::kString, f.c_str(), n.offset) ||
          !Emit(n.args[1], &b) ||
          !Expect(n.args[1], b, Type::kString, f.c_str(), n.offset)) {
        return false;
      }
      Push(f == "contains"      ? Op::kContains
           : f == "starts_with" ? Op::kStartsWith
                                : Op::kEndsWith,
           n.offset);
      *t = Type::kBool;
      return true;
    }
    return Fail(n.offset, "unknown function '" + f +
                              "': rules have no user-defined or library "
                              "functions (built-ins: " +
                              BuiltinNames() + ")");
  }

  const SourceText& source_;
  const Ast& ast_;
  const std::vector<AggregateInfo>& aggregates_;
  Program* out_;
  CompileError* error_ = nullptr;
  int depth_ = -1;  // stack height - 1
};

}  // namespace

bool CompileExpression(const SourceText& source, size_t begin, size_t end,
                       const std::vector<AggregateInfo>& aggregates,
                       const Type* want, Program* out, CompileError* error) {
  Ast ast;
  std::vector<std::string> names;
  for (const AggregateInfo& a : aggregates) names.push_back(a.name);
  if (!ParseExpression(source, begin, end, names, &ast, error)) return false;
  *out = Program();
  return Compiler(source, ast, aggregates, out).Run(want, error);
}

}  // namespace rule
}  // namespace riskflow
