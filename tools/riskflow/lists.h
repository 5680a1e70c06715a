// `riskflow lists add|remove|show`: the allow / block lists riskflowd keeps
// (Admin.PutListEntry, DeleteListEntry, GetListEntries).
#ifndef RISKFLOW_TOOLS_RISKFLOW_LISTS_H_
#define RISKFLOW_TOOLS_RISKFLOW_LISTS_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/riskflow/v1/admin.grpc.pb.h"
#include "tools/riskflow/admin_options.h"

namespace riskflow::cli {

inline constexpr char kListsUsage[] =
    "riskflow lists add --kind allow|block --entity "
    "account|counterparty|device|ip --value V [--expires_at_ms N] "
    "[--reason TEXT] [--by NAME]\n"
    "riskflow lists remove --kind allow|block --entity E --value V\n"
    "riskflow lists show [--kind K] [--entity E] [--format text|json]\n"
    "  Manages the allow / block lists. A BLOCK entry freezes every event of\n"
    "  the entity; an ALLOW entry suppresses the other detectors' routes for\n"
    "  it. --expires_at_ms is event time (0 = never); --by defaults to $USER.\n"
    "  Kinds and entities are case-insensitive. remove exits 1 when there\n"
    "  was no such entry.\n";

enum class ListsAction { kAdd, kRemove, kShow };

struct ListsOptions {
  AdminOptions admin;
  ListsAction action = ListsAction::kShow;
  // add: the whole entry; remove: kind, entity, value; show: the filter
  // (unspecified kind / entity = all).
  riskflow::v1::ListEntry entry;
};

// "allow" / "block", any case; anything else is an error listing them.
absl::StatusOr<riskflow::v1::ListKind> ParseListKind(const std::string& text);
// "account", "counterparty", "device" or "ip", any case.
absl::StatusOr<riskflow::v1::ListEntity> ParseListEntity(
    const std::string& text);

// `args` are the command's arguments without the command word.
absl::StatusOr<ListsOptions> ParseListsArgs(
    const std::vector<std::string>& args);

// The table of `riskflow lists show`: KIND, ENTITY, VALUE, EXPIRES (ms since
// the epoch, or "never"), REASON, ADDED BY, ADDED AT (ISO time).
std::string FormatListEntries(
    const riskflow::v1::GetListEntriesResponse& response);

int RunLists(const ListsOptions& options,
             riskflow::v1::Admin::StubInterface* stub, std::ostream& out,
             std::ostream& err);

int ListsMain(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_LISTS_H_
