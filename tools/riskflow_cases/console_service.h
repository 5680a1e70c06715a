// The review console and the hold releaser inside `riskflow-cases serve`
// (docs/console.md): flags, start, stop.
#ifndef RISKFLOW_TOOLS_RISKFLOW_CASES_CONSOLE_SERVICE_H_
#define RISKFLOW_TOOLS_RISKFLOW_CASES_CONSOLE_SERVICE_H_

#include <atomic>
#include <memory>
#include <ostream>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "pipeline/cases/case_store.h"
#include "pipeline/console/authenticator.h"
#include "pipeline/console/console_server.h"
#include "pipeline/console/riskflowd_client.h"
#include "tools/riskflow/flags.h"

namespace riskflow::cases {

struct ConsoleFlags {
  std::string listen;     // empty: no console
  std::string port_file;  // where the bound port is written
  std::string users;      // the users file (riskflow-cases users add)
  bool secure_cookie = false;
  bool release_holds = true;
  // The account's recent events in the evidence (recent_events_fetcher.h).
  int64_t evidence_recent_events = 50;
  std::string evidence_recent_window = "7d";
  int64_t evidence_fetch_attempts = 3;
};

void AddConsoleFlags(cli::FlagSet* flags, ConsoleFlags* f);

// What serve runs beside the sink consumers. Stops (and joins) on
// destruction.
class ConsoleService {
 public:
  static absl::StatusOr<std::unique_ptr<ConsoleService>> Start(
      const ConsoleFlags& flags, CaseStore* store,
      std::shared_ptr<grpc::Channel> riskflowd, std::ostream* err);
  ~ConsoleService();

 private:
  ConsoleService() = default;
  std::unique_ptr<console::RiskflowdClient> client_;
  std::unique_ptr<console::Authenticator> auth_;
  std::unique_ptr<console::ConsoleServer> server_;
  std::atomic<bool> stop_{false};
  std::thread releaser_;
  std::thread recent_events_;
};

// `riskflow-cases users add|remove|list ...` (password from stdin).
int UsersCommand(const std::vector<std::string>& args, std::istream& in,
                 std::ostream& out, std::ostream& err);

}  // namespace riskflow::cases

#endif  // RISKFLOW_TOOLS_RISKFLOW_CASES_CONSOLE_SERVICE_H_
