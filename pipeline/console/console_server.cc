#include "pipeline/console/console_server.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "pipeline/console/case_api.h"
#include "pipeline/console/json_body.h"
#include "pipeline/console/lookup_api.h"
#include "pipeline/console/static_files.h"

namespace riskflow::console {

absl::StatusOr<std::unique_ptr<ConsoleServer>> ConsoleServer::Start(
    const ConsoleOptions& options, Authenticator* auth,
    cases::CaseStore* store, RiskflowdClient* riskflowd) {
  const size_t colon = options.listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(options.listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--console_listen: '", options.listen, "' is not HOST:PORT"));
  }
  const std::string host = options.listen.substr(0, colon);
  std::unique_ptr<ConsoleServer> s(new ConsoleServer());
  s->server_ = std::make_unique<httplib::Server>();
  // A taken port must be an error, not a second server sharing it.
  s->server_->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  s->server_->set_payload_max_length(kMaxJsonBodyBytes);
  s->server_->set_read_timeout(10, 0);
  s->server_->set_write_timeout(10, 0);
  InstallStaticRoutes(s->server_.get());
  InstallAuthRoutes(s->server_.get(), auth, options.auth);
  InstallCaseApi(s->server_.get(), auth, store);
  InstallLookupApi(s->server_.get(), auth, riskflowd);
  s->server_->set_error_handler(
      [](const httplib::Request& req, httplib::Response& res) {
        if (res.status == 404 && res.body.empty()) {
          SendError(absl::NotFoundError(absl::StrCat(
                        "no such page or API route: ", req.method, " ",
                        req.path)),
                    &res);
        }
      });
  if (port == 0) {
    s->port_ = s->server_->bind_to_any_port(host);
  } else if (s->server_->bind_to_port(host, port)) {
    s->port_ = port;
  } else {
    s->port_ = -1;
  }
  if (s->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat(
        "--console_listen: cannot listen on ", options.listen));
  }
  httplib::Server* server = s->server_.get();
  s->thread_ = std::thread([server] { server->listen_after_bind(); });
  return s;
}

ConsoleServer::~ConsoleServer() { Stop(); }

void ConsoleServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace riskflow::console
