#include "tools/riskflow/lists.h"

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/riskflow/admin_command.h"
#include "tools/riskflow/decision_format.h"
#include "tools/riskflow/table.h"

namespace riskflow::cli {
namespace {

using ::riskflow::v1::ListEntity;
using ::riskflow::v1::ListEntry;
using ::riskflow::v1::ListKind;

constexpr char kValidKinds[] = "allow, block";
constexpr char kValidEntities[] = "account, counterparty, device, ip";

std::string KindName(ListKind kind) {
  return riskflow::v1::ListKind_IsValid(kind) ? riskflow::v1::ListKind_Name(kind)
                                              : absl::StrCat(kind);
}

std::string EntityName(ListEntity entity) {
  return riskflow::v1::ListEntity_IsValid(entity)
             ? riskflow::v1::ListEntity_Name(entity)
             : absl::StrCat(entity);
}

// "BLOCK COUNTERPARTY mule-9".
std::string Describe(const ListEntry& entry) {
  return absl::StrCat(KindName(entry.kind()), " ", EntityName(entry.entity()),
                      " ", entry.value());
}

std::string Expires(int64_t expires_at_ms) {
  return expires_at_ms == 0 ? "never" : absl::StrCat(expires_at_ms);
}

absl::StatusOr<ListsAction> ParseAction(const std::string& word) {
  if (word == "add") return ListsAction::kAdd;
  if (word == "remove") return ListsAction::kRemove;
  if (word == "show") return ListsAction::kShow;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown action \"", word, "\" (valid actions: add, remove, show)"));
}

int Fail(const std::string& action, const std::string& what,
         const std::string& target, const grpc::Status& status,
         std::ostream& err) {
  err << "riskflow lists " << action << ": "
      << AdminErrorSentence(what, target, status) << "\n";
  return kExitError;
}

int Add(const ListsOptions& options, riskflow::v1::Admin::StubInterface* stub,
        std::ostream& out, std::ostream& err) {
  auto context = MakeAdminContext(options.admin);
  ListEntry stored;
  grpc::Status status = stub->PutListEntry(context.get(), options.entry, &stored);
  if (!status.ok()) {
    return Fail("add", "PutListEntry", options.admin.global.target, status,
                err);
  }
  if (options.admin.format == OutputFormat::kJson) {
    out << MessageToPrettyJson(stored) << "\n";
  } else {
    out << "added " << Describe(stored) << " (expires "
        << Expires(stored.expires_at_ms()) << ")\n";
  }
  return kExitOk;
}

int Remove(const ListsOptions& options,
           riskflow::v1::Admin::StubInterface* stub, std::ostream& out,
           std::ostream& err) {
  riskflow::v1::DeleteListEntryRequest request;
  request.set_kind(options.entry.kind());
  request.set_entity(options.entry.entity());
  request.set_value(options.entry.value());
  auto context = MakeAdminContext(options.admin);
  riskflow::v1::DeleteListEntryResponse response;
  grpc::Status status =
      stub->DeleteListEntry(context.get(), request, &response);
  if (!status.ok()) {
    return Fail("remove", "DeleteListEntry", options.admin.global.target,
                status, err);
  }
  if (options.admin.format == OutputFormat::kJson) {
    out << MessageToPrettyJson(response) << "\n";
  }
  if (!response.deleted()) {
    err << "riskflow lists remove: no entry " << Describe(options.entry)
        << "\n";
    return kExitError;
  }
  if (options.admin.format == OutputFormat::kText) {
    out << "removed " << Describe(options.entry) << "\n";
  }
  return kExitOk;
}

int Show(const ListsOptions& options, riskflow::v1::Admin::StubInterface* stub,
         std::ostream& out, std::ostream& err) {
  riskflow::v1::GetListEntriesRequest request;
  request.set_kind(options.entry.kind());
  request.set_entity(options.entry.entity());
  auto context = MakeAdminContext(options.admin);
  riskflow::v1::GetListEntriesResponse response;
  grpc::Status status = stub->GetListEntries(context.get(), request, &response);
  if (!status.ok()) {
    return Fail("show", "GetListEntries", options.admin.global.target, status,
                err);
  }
  if (options.admin.format == OutputFormat::kJson) {
    out << MessageToPrettyJson(response) << "\n";
  } else {
    out << FormatListEntries(response);
  }
  return kExitOk;
}

}  // namespace

absl::StatusOr<ListKind> ParseListKind(const std::string& text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "allow") return riskflow::v1::ALLOW;
  if (lower == "block") return riskflow::v1::BLOCK;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown --kind \"", text, "\" (valid kinds: ", kValidKinds, ")"));
}

absl::StatusOr<ListEntity> ParseListEntity(const std::string& text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "account") return riskflow::v1::ACCOUNT;
  if (lower == "counterparty") return riskflow::v1::COUNTERPARTY;
  if (lower == "device") return riskflow::v1::DEVICE;
  if (lower == "ip") return riskflow::v1::IP;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown --entity \"", text, "\" (valid entities: ",
                   kValidEntities, ")"));
}

absl::StatusOr<ListsOptions> ParseListsArgs(
    const std::vector<std::string>& args) {
  ListsOptions options;
  std::string format = "text";
  std::string kind, entity, value, reason;
  const char* user = std::getenv("USER");
  std::string by = user == nullptr ? "" : user;
  int64_t expires_at_ms = 0;
  FlagSet flags("riskflow lists");
  AddAdminFlags(&flags, &options.admin, &format);
  flags.AddString("kind", &kind, "allow or block");
  flags.AddString("entity", &entity, "account, counterparty, device or ip");
  flags.AddString("value", &value, "the account id, counterparty, ...");
  flags.AddInt("expires_at_ms", &expires_at_ms,
               "event time from which the entry no longer applies (0 = never)",
               0);
  flags.AddString("reason", &reason, "why the entry exists");
  flags.AddString("by", &by, "who adds it");
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok()) return positional.status();
  if (positional->size() != 1) {
    return absl::InvalidArgumentError(
        positional->empty()
            ? "needs an action: add, remove or show"
            : absl::StrCat("takes one action (got \"",
                           absl::StrJoin(*positional, " "), "\")"));
  }
  absl::StatusOr<ListsAction> action = ParseAction(positional->front());
  if (!action.ok()) return action.status();
  options.action = *action;
  if (absl::Status s = ApplyFormatFlag(format, &options.admin); !s.ok()) {
    return s;
  }

  if (flags.WasSet("kind")) {
    absl::StatusOr<ListKind> parsed = ParseListKind(kind);
    if (!parsed.ok()) return parsed.status();
    options.entry.set_kind(*parsed);
  }
  if (flags.WasSet("entity")) {
    absl::StatusOr<ListEntity> parsed = ParseListEntity(entity);
    if (!parsed.ok()) return parsed.status();
    options.entry.set_entity(*parsed);
  }

  // Flags that make no sense for the action are errors, not silently
  // ignored (`lists remove --reason x` would suggest the reason is kept).
  const std::string& word = positional->front();
  if (options.action != ListsAction::kAdd) {
    for (const char* flag : {"expires_at_ms", "reason", "by"}) {
      if (flags.WasSet(flag)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", flag, " applies to add only, not ", word));
      }
    }
  }
  if (options.action == ListsAction::kShow && flags.WasSet("value")) {
    return absl::InvalidArgumentError(
        "--value applies to add and remove, not show (show filters by "
        "--kind and --entity)");
  }
  if (options.action != ListsAction::kShow) {
    for (const char* required : {"kind", "entity", "value"}) {
      if (!flags.WasSet(required)) {
        return absl::InvalidArgumentError(
            absl::StrCat(word, " needs --", required));
      }
    }
    if (value.empty()) {
      return absl::InvalidArgumentError("--value must not be empty");
    }
  }

  options.entry.set_value(value);
  if (options.action == ListsAction::kAdd) {
    options.entry.set_expires_at_ms(expires_at_ms);
    options.entry.set_reason(reason);
    options.entry.set_added_by(by);
  }
  return options;
}

std::string FormatListEntries(
    const riskflow::v1::GetListEntriesResponse& response) {
  if (response.entries().empty()) return "no list entries\n";
  std::vector<std::vector<std::string>> rows = {
      {"KIND", "ENTITY", "VALUE", "EXPIRES", "REASON", "ADDED BY",
       "ADDED AT"}};
  for (const ListEntry& e : response.entries()) {
    rows.push_back({KindName(e.kind()), EntityName(e.entity()), e.value(),
                    Expires(e.expires_at_ms()),
                    e.reason().empty() ? "-" : e.reason(),
                    e.added_by().empty() ? "-" : e.added_by(),
                    e.added_at_ms() == 0 ? "-"
                                         : FormatEventTime(e.added_at_ms())});
  }
  return FormatTable(rows);
}

int RunLists(const ListsOptions& options,
             riskflow::v1::Admin::StubInterface* stub, std::ostream& out,
             std::ostream& err) {
  switch (options.action) {
    case ListsAction::kAdd:
      return Add(options, stub, out, err);
    case ListsAction::kRemove:
      return Remove(options, stub, out, err);
    case ListsAction::kShow:
      return Show(options, stub, out, err);
  }
  return kExitError;
}

int ListsMain(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  absl::StatusOr<ListsOptions> options = ParseListsArgs(args);
  if (!options.ok()) {
    err << "riskflow lists: " << options.status().message() << "\n";
    return kExitError;
  }
  return WithAdminStub("lists", options->admin.global, err,
                       [&](riskflow::v1::Admin::StubInterface* stub) {
                         return RunLists(*options, stub, out, err);
                       });
}

}  // namespace riskflow::cli
