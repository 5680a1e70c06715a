// `riskflow lists add|show|remove` against the real daemon.
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tools/riskflow/cli.h"
#include "tools/riskflow/common.h"
#include "tools/riskflow/lists.h"
#include "tools/riskflow/test_daemon.h"

namespace riskflow::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

// Columns of a table row (cells hold no double spaces).
std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> cells;
  for (absl::string_view cell : absl::StrSplit(line, "  ", absl::SkipEmpty())) {
    cells.emplace_back(absl::StripLeadingAsciiWhitespace(cell));
  }
  return cells;
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

class ListsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto daemon = testing::TestDaemon::Start();
    ASSERT_TRUE(daemon.ok()) << daemon.status();
    daemon_ = *std::move(daemon);
  }

  // `riskflow lists ARGS... --target <the daemon>`, as typed.
  Result Lists(std::vector<std::string> args) {
    args.insert(args.begin(), "lists");
    args.push_back("--target=" + daemon_->target());
    Result r;
    std::ostringstream out, err;
    r.code = RunCli(args, out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  riskflow::v1::GetListEntriesResponse Entries() {
    grpc::ClientContext context;
    riskflow::v1::GetListEntriesResponse response;
    grpc::Status s =
        daemon_->admin()->GetListEntries(&context, {}, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  std::unique_ptr<testing::TestDaemon> daemon_;
};

TEST_F(ListsTest, AddShowRemoveRoundTrip) {
  Result add = Lists({"add", "--kind", "block", "--entity", "counterparty",
                      "--value", "mule-9", "--reason", "case 7 mule ring",
                      "--by", "analyst-1"});
  ASSERT_EQ(add.code, kExitOk) << add.err;
  EXPECT_EQ(add.out, "added BLOCK COUNTERPARTY mule-9 (expires never)\n");
  // Kind and entity in any case.
  Result allow = Lists({"add", "--kind=ALLOW", "--entity=Account",
                        "--value=vip-1", "--expires_at_ms=1700000060000",
                        "--by=analyst-2"});
  ASSERT_EQ(allow.code, kExitOk) << allow.err;
  EXPECT_EQ(allow.out, "added ALLOW ACCOUNT vip-1 (expires 1700000060000)\n");

  // What the daemon stored is what was asked for.
  riskflow::v1::GetListEntriesResponse stored = Entries();
  ASSERT_EQ(stored.entries_size(), 2);

  Result show = Lists({"show"});
  ASSERT_EQ(show.code, kExitOk) << show.err;
  std::vector<std::string> lines = Lines(show.out);
  ASSERT_EQ(lines.size(), 3u) << show.out;
  EXPECT_THAT(Cells(lines[0]), ElementsAre("KIND", "ENTITY", "VALUE", "EXPIRES",
                                           "REASON", "ADDED BY", "ADDED AT"));
  std::vector<std::vector<std::string>> rows = {Cells(lines[1]),
                                                Cells(lines[2])};
  // Whatever order the daemon lists them in.
  if (rows[0][0] != "BLOCK") std::swap(rows[0], rows[1]);
  ASSERT_EQ(rows[0].size(), 7u) << lines[1];
  ASSERT_EQ(rows[1].size(), 7u) << lines[2];
  EXPECT_THAT(std::vector<std::string>(rows[0].begin(), rows[0].end() - 1),
              ElementsAre("BLOCK", "COUNTERPARTY", "mule-9", "never",
                          "case 7 mule ring", "analyst-1"));
  EXPECT_THAT(std::vector<std::string>(rows[1].begin(), rows[1].end() - 1),
              ElementsAre("ALLOW", "ACCOUNT", "vip-1", "1700000060000", "-",
                          "analyst-2"));
  for (const auto& row : rows) {
    EXPECT_THAT(row[6],
                MatchesRegex("20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9][0-9]:"
                             "[0-9][0-9]:[0-9][0-9]\\.[0-9][0-9][0-9]Z"));
  }

  // Filters, and JSON.
  Result blocks = Lists({"show", "--kind", "Block"});
  ASSERT_EQ(blocks.code, kExitOk) << blocks.err;
  EXPECT_EQ(Lines(blocks.out).size(), 2u) << blocks.out;
  EXPECT_THAT(blocks.out, HasSubstr("mule-9"));
  Result devices = Lists({"show", "--entity", "device"});
  EXPECT_EQ(devices.out, "no list entries\n");
  Result json = Lists({"show", "--entity", "account", "--format", "json"});
  ASSERT_EQ(json.code, kExitOk) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"value\": \"vip-1\""));
  EXPECT_THAT(json.out, HasSubstr("\"kind\": \"ALLOW\""));
  EXPECT_THAT(json.out, ::testing::Not(HasSubstr("mule-9")));

  Result remove = Lists({"remove", "--kind", "block", "--entity",
                         "counterparty", "--value", "mule-9"});
  ASSERT_EQ(remove.code, kExitOk) << remove.err;
  EXPECT_EQ(remove.out, "removed BLOCK COUNTERPARTY mule-9\n");
  ASSERT_EQ(Entries().entries_size(), 1);
  EXPECT_EQ(Entries().entries(0).value(), "vip-1");

  // Removing what is not there says so and fails.
  Result again = Lists({"remove", "--kind", "block", "--entity",
                        "counterparty", "--value", "mule-9"});
  EXPECT_EQ(again.code, kExitError);
  EXPECT_EQ(again.err,
            "riskflow lists remove: no entry BLOCK COUNTERPARTY mule-9\n");
}

TEST_F(ListsTest, BadKindOrEntityListsTheValidValues) {
  Result kind = Lists({"add", "--kind", "freeze", "--entity", "account",
                       "--value", "a1"});
  EXPECT_EQ(kind.code, kExitError);
  EXPECT_EQ(kind.out, "");
  EXPECT_EQ(kind.err,
            "riskflow lists: unknown --kind \"freeze\" (valid kinds: allow, "
            "block)\n");

  Result entity = Lists({"show", "--entity", "card"});
  EXPECT_EQ(entity.code, kExitError);
  EXPECT_EQ(entity.err,
            "riskflow lists: unknown --entity \"card\" (valid entities: "
            "account, counterparty, device, ip)\n");

  Result missing = Lists({"add", "--kind", "allow", "--value", "a1"});
  EXPECT_EQ(missing.code, kExitError);
  EXPECT_EQ(missing.err, "riskflow lists: add needs --entity\n");

  Result misplaced = Lists({"remove", "--kind", "allow", "--entity", "ip",
                            "--value", "10.0.0.1", "--reason", "x"});
  EXPECT_EQ(misplaced.code, kExitError);
  EXPECT_EQ(misplaced.err,
            "riskflow lists: --reason applies to add only, not remove\n");

  Result action = Lists({"list"});
  EXPECT_EQ(action.code, kExitError);
  EXPECT_EQ(action.err,
            "riskflow lists: unknown action \"list\" (valid actions: add, "
            "remove, show)\n");

  EXPECT_EQ(Entries().entries_size(), 0);
}

}  // namespace
}  // namespace riskflow::cli
