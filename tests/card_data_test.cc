// Card numbers never reach disk, logs or sinks, and the data files are the
// daemon owner's only: canary PANs planted in every string field over gRPC
// to a real riskflowd (both --pan_policy modes), then the raw bytes of every
// file in its data dir, its stderr and every sink are searched for them
// (docs/input-validation.md).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/log/card_numbers.h"
#include "tests/daemon_process.h"
#include "tests/events.h"
#include "tests/rpc_client.h"
#include "tests/temp_dir.h"

namespace riskflow::e2e {
namespace {

namespace fs = std::filesystem;
using riskflow::v1::Event;
using riskflow::v1::PublishAck;

// Standard test card numbers as a person would write them.
const char* const kCanaries[] = {
    "4012888888881881",      // Visa
    "5105 1051 0510 5100",   // Mastercard, spaced
    "3787-344936-71000",     // Amex, dashed
    "6011111111111117",      // Discover
    "3530111333300000",      // JCB
    "30569309025904",        // Diners, 14 digits
    "4222222222222",         // Visa, 13 digits
};
// A value that is stored: if the raw search below cannot find this, it
// cannot find the canaries either (e.g. because of compression).
constexpr char kControl[] = "control-marker-7f3a9c1e";

std::string Digits(const std::string& written) {
  return absl::StrReplaceAll(written, {{" ", ""}, {"-", ""}});
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A payout above the default pipeline's large_payout threshold, so its
// decision reaches the MANUAL_REVIEW sink.
Event BigPayout(const std::string& id) {
  return Payout(id, "acct-clean", "cp-clean", 20000000, "CNY", kT0);
}

// One event per (canary, field). event_id / channel_id holders are refused
// in both modes; the rest are masked or refused by policy.
std::vector<Event> PlantedEvents() {
  std::vector<Event> events;
  int n = 0;
  for (const char* canary : kCanaries) {
    const std::string pan = canary;
    auto next = [&]() {
      Event e = BigPayout(absl::StrCat("planted-", n++));
      events.push_back(e);
      return &events.back();
    };
    next()->set_account_id("acct " + pan);
    next()->set_counterparty(pan);
    next()->set_device_id("dev:" + pan);
    next()->set_ip(pan);
    (*next()->mutable_attributes())["note"] = "card " + pan + " exp 12/31";
    (*next()->mutable_attributes())[pan] = "as a key";
    next()->set_event_id("evt-" + pan);
    next()->set_channel_id(pan);
  }
  return events;
}

class CardDataTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    for (const char* c : kCanaries) {
      ASSERT_TRUE(log::ContainsCardNumber(c)) << c;  // valid canaries
    }
    root_ = MakeTempDir("card-data");
    ASSERT_FALSE(root_.empty());
    data_dir_ = root_ + "/data";  // riskflowd creates it
    stderr_path_ = root_ + "/riskflowd.stderr";
  }

  // Starts riskflowd with its stderr in stderr_path_ (the child inherits
  // fd 2 at fork).
  std::unique_ptr<DaemonProcess> StartDaemon() {
    const int saved = dup(2);
    const int file =
        open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    EXPECT_GE(file, 0);
    dup2(file, 2);
    auto d = DaemonProcess::Start(
        RiskflowdPath(), data_dir_,
        {absl::StrCat("--pan_policy=", GetParam())});
    dup2(saved, 2);
    close(saved);
    close(file);
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? *std::move(d) : nullptr;
  }

  // Every canary's digits and written form, searched in `bytes`.
  void ExpectNoCanary(const std::string& bytes, const std::string& where) {
    for (const char* canary : kCanaries) {
      EXPECT_EQ(bytes.find(Digits(canary)), std::string::npos)
          << Digits(canary) << " found in " << where;
      EXPECT_EQ(bytes.find(canary), std::string::npos)
          << canary << " found in " << where;
    }
  }

  std::string root_;
  std::string data_dir_;
  std::string stderr_path_;
};

TEST_P(CardDataTest, PlantedCardNumbersAreNowhereAndFilesAreOwnerOnly) {
  const bool mask = GetParam() == "mask";
  std::unique_ptr<DaemonProcess> daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  Clients clients(MakeChannel(daemon->port()));

  std::vector<Event> planted = PlantedEvents();
  Event control = BigPayout("control-event");
  control.set_account_id(kControl);
  (*control.mutable_attributes())["note"] = kControl;
  planted.push_back(control);
  std::vector<PublishAck> acks;
  grpc::Status s =
      PublishBatches(clients.ingest.get(), {Batch(1, planted)}, &acks);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(acks.size(), 1u);
  const PublishAck& ack = acks[0];
  // Reject: every planted event is refused, only the control is logged.
  // Mask: six of the eight fields per canary are masked and logged;
  // event_id and channel_id are refused.
  const size_t per_canary_refused = mask ? 2 : 8;
  EXPECT_EQ(ack.errors_size(),
            static_cast<int>(per_canary_refused * std::size(kCanaries)));
  EXPECT_EQ(ack.accepted(),
            1 + (8 - per_canary_refused) * std::size(kCanaries));
  for (const auto& error : ack.errors()) {
    EXPECT_EQ(error.code(), riskflow::v1::INVALID_EVENT);
    EXPECT_THAT(error.message(), ::testing::HasSubstr("looks like a card"));
  }
  // The ack itself does not echo a card number back (event_id masked).
  ExpectNoCanary(ack.SerializeAsString(), "the ack");
  ASSERT_TRUE(WaitProcessed(clients.admin.get()).ok());

  // Sinks: decisions carry account ids and evidence.
  size_t decided = 0;
  std::set<std::string> masked_seen;
  for (auto sink : {riskflow::v1::FREEZE, riskflow::v1::MANUAL_REVIEW,
                    riskflow::v1::NOTIFY}) {
    auto decisions = ReadSink(clients.sinks.get(), sink);
    ASSERT_TRUE(decisions.ok()) << decisions.status();
    for (const auto& d : *decisions) {
      ExpectNoCanary(d.SerializeAsString(), "a sink entry");
      ++decided;
      if (d.account_id().find('*') != std::string::npos) {
        masked_seen.insert(d.account_id());
      }
    }
  }
  EXPECT_GT(decided, 0u);  // the control (and in mask mode more) decided
  if (mask) {
    // Masked, not dropped: the masked account still reached the sink.
    EXPECT_THAT(masked_seen, ::testing::Contains("acct 401288******1881"));
    EXPECT_THAT(masked_seen, ::testing::Contains("acct 422222***2222"));
    EXPECT_THAT(masked_seen, ::testing::Contains("acct 5105 10** **** 5100"));
  } else {
    EXPECT_THAT(masked_seen, ::testing::IsEmpty());
  }

  ASSERT_TRUE(daemon->Terminate().ok());

  // The whole data dir, raw bytes of every file (RocksDB WAL, SSTs,
  // MANIFEST, LOG, OPTIONS...).
  size_t files = 0;
  bool control_found = false;
  for (const auto& entry : fs::recursive_directory_iterator(data_dir_)) {
    const auto mode = entry.symlink_status().permissions();
    if (entry.is_directory()) {
      EXPECT_EQ(mode & fs::perms::all, fs::perms::owner_all)
          << entry.path() << " is not 0700";
      continue;
    }
    ASSERT_TRUE(entry.is_regular_file()) << entry.path();
    EXPECT_EQ(mode & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write)
        << entry.path() << " is not 0600";
    const std::string bytes = ReadFile(entry.path());
    ExpectNoCanary(bytes, entry.path());
    if (bytes.find(kControl) != std::string::npos) control_found = true;
    ++files;
  }
  EXPECT_GT(files, 10u);
  // What makes the search above mean something: stored text is visible.
  EXPECT_TRUE(control_found)
      << "the control marker is not in the raw bytes either (compressed?)";
  struct stat st;
  ASSERT_EQ(stat(data_dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  const std::string log = ReadFile(stderr_path_);
  EXPECT_THAT(log, ::testing::HasSubstr("riskflowd"));  // it was captured
  ExpectNoCanary(log, "riskflowd's stderr");
}

INSTANTIATE_TEST_SUITE_P(PanPolicy, CardDataTest,
                         ::testing::Values("reject", "mask"));

}  // namespace
}  // namespace riskflow::e2e
