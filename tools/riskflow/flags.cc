#include "tools/riskflow/flags.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace riskflow::cli {

void FlagSet::AddString(const std::string& name, std::string* value,
                        std::string help) {
  flags_[name] = Flag{Kind::kString, value, std::move(help),
                      value->empty() ? "" : absl::StrCat("\"", *value, "\"")};
}

void FlagSet::AddInt(const std::string& name, int64_t* value, std::string help,
                     int64_t min) {
  flags_[name] =
      Flag{Kind::kInt, value, std::move(help), absl::StrCat(*value), min};
}

void FlagSet::AddBool(const std::string& name, bool* value, std::string help) {
  flags_[name] =
      Flag{Kind::kBool, value, std::move(help), *value ? "true" : ""};
}

void FlagSet::AddStringList(const std::string& name,
                            std::vector<std::string>* values,
                            std::string help) {
  flags_[name] =
      Flag{Kind::kStringList, values, absl::StrCat(help, " (repeatable)"), ""};
}

bool FlagSet::WasSet(const std::string& name) const {
  auto it = flags_.find(name);
  return it != flags_.end() && it->second.set;
}

absl::Status FlagSet::Assign(const std::string& name, Flag& flag,
                             const std::string& text) {
  flag.set = true;
  switch (flag.kind) {
    case Kind::kString:
      *static_cast<std::string*>(flag.value) = text;
      return absl::OkStatus();
    case Kind::kStringList:
      static_cast<std::vector<std::string>*>(flag.value)->push_back(text);
      return absl::OkStatus();
    case Kind::kInt: {
      int64_t parsed = 0;
      if (!absl::SimpleAtoi(text, &parsed)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--", name, " needs a whole number, not \"", text, "\""));
      }
      if (parsed < flag.min) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--", name, " must be at least ", flag.min, ", not ", parsed));
      }
      *static_cast<int64_t*>(flag.value) = parsed;
      return absl::OkStatus();
    }
    case Kind::kBool: {
      std::string lower = absl::AsciiStrToLower(text);
      if (lower == "true" || lower == "1" || lower == "yes") {
        *static_cast<bool*>(flag.value) = true;
      } else if (lower == "false" || lower == "0" || lower == "no") {
        *static_cast<bool*>(flag.value) = false;
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "--", name, " takes true or false, not \"", text, "\""));
      }
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unreachable flag kind");
}

absl::StatusOr<std::vector<std::string>> FlagSet::Parse(
    const std::vector<std::string>& args) {
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      positional.insert(positional.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    // Accept -name as well as --name, as absl and gflags do.
    std::string body = arg.substr(absl::StartsWith(arg, "--") ? 2 : 1);
    std::string name = body;
    std::string value;
    bool has_value = false;
    if (size_t eq = body.find('='); eq != std::string::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    auto it = flags_.find(name);
    if (it == flags_.end() && !has_value && absl::StartsWith(name, "no")) {
      auto negated = flags_.find(name.substr(2));
      if (negated != flags_.end() && negated->second.kind == Kind::kBool) {
        negated->second.set = true;
        *static_cast<bool*>(negated->second.value) = false;
        continue;
      }
    }
    if (it == flags_.end()) {
      std::vector<std::string> known;
      for (const auto& [known_name, flag] : flags_) {
        known.push_back(absl::StrCat("--", known_name));
      }
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, " for ", command_,
                       " (valid flags: ", absl::StrJoin(known, ", "), ")"));
    }
    if (!has_value) {
      if (it->second.kind == Kind::kBool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value"));
      }
    }
    if (absl::Status status = Assign(name, it->second, value); !status.ok()) {
      return status;
    }
  }
  return positional;
}

std::string FlagSet::Help() const {
  std::string out;
  for (const auto& [name, flag] : flags_) {
    std::string spelled = absl::StrCat("--", name);
    if (flag.kind == Kind::kString || flag.kind == Kind::kStringList) {
      absl::StrAppend(&spelled, "=<text>");
    }
    if (flag.kind == Kind::kInt) absl::StrAppend(&spelled, "=<n>");
    absl::StrAppend(
        &out, "  ", spelled,
        std::string(spelled.size() < 24 ? 24 - spelled.size() : 1, ' '),
        flag.help);
    if (!flag.default_text.empty()) {
      absl::StrAppend(&out, " (default ", flag.default_text, ")");
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace riskflow::cli
