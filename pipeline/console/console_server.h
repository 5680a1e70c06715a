#ifndef RISKFLOW_PIPELINE_CONSOLE_CONSOLE_SERVER_H_
#define RISKFLOW_PIPELINE_CONSOLE_CONSOLE_SERVER_H_

// The review console's HTTP server: static pages, login routes and the JSON
// case API, on its own threads (httplib's pool) beside the sink consumer.

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "httplib.h"
#include "pipeline/cases/case_store.h"
#include "pipeline/console/authenticator.h"
#include "pipeline/console/http_auth.h"
#include "pipeline/console/riskflowd_client.h"

namespace riskflow::console {

struct ConsoleOptions {
  // HOST:PORT; port 0 picks a free one (see port()).
  std::string listen = "127.0.0.1:8480";
  HttpAuthOptions auth;
};

class ConsoleServer {
 public:
  // Binds and starts serving; INVALID_ARGUMENT for a malformed address,
  // UNAVAILABLE when the port cannot be bound.
  // `riskflowd` may be null: look-ups then answer 503.
  static absl::StatusOr<std::unique_ptr<ConsoleServer>> Start(
      const ConsoleOptions& options, Authenticator* auth,
      cases::CaseStore* store, RiskflowdClient* riskflowd);
  ~ConsoleServer();

  int port() const { return port_; }
  void Stop();

 private:
  ConsoleServer() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace riskflow::console

#endif  // RISKFLOW_PIPELINE_CONSOLE_CONSOLE_SERVER_H_
