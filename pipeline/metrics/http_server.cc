#include "pipeline/metrics/http_server.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "httplib.h"
#include "pipeline/common/logger.h"

namespace riskflow::metrics {

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const std::string& host_port, const Registry* registry) {
  const size_t colon = host_port.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(host_port.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--metrics_listen: '", host_port, "' is not HOST:PORT"));
  }
  std::string host = host_port.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::unique_ptr<HttpServer> s(new HttpServer());
  s->server_ = std::make_unique<httplib::Server>();
  // httplib's default is SO_REUSEPORT, which lets a second riskflowd bind
  // the same port and split the scrapes; a taken port must be an error.
  s->server_->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  s->server_->Get("/metrics", [registry](const httplib::Request&,
                                         httplib::Response& res) {
    res.set_content(registry->Render(),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
  s->server_->Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("riskflowd metrics: GET /metrics\n", "text/plain");
  });
  if (port == 0) {
    s->port_ = s->server_->bind_to_any_port(host.c_str());
  } else if (s->server_->bind_to_port(host.c_str(), port)) {
    s->port_ = port;
  }
  if (s->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat(
        "--metrics_listen: cannot listen on ", host_port,
        " (address in use or not valid)"));
  }
  httplib::Server* raw = s->server_.get();
  s->thread_ = std::thread([raw] { raw->listen_after_bind(); });
  // stop() is a no-op until the loop runs; wait, so Stop() cannot miss it.
  for (int i = 0; i < 5000 && !raw->is_running(); ++i) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  logging::Log(logging::Level::kInfo, {"metrics"},
               absl::StrCat("serving Prometheus metrics on http://", host, ":",
                            s->port_, "/metrics"));
  return s;
}

void HttpServer::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

HttpServer::~HttpServer() { Stop(); }

}  // namespace riskflow::metrics
