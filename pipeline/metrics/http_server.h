#ifndef RISKFLOW_PIPELINE_METRICS_HTTP_SERVER_H_
#define RISKFLOW_PIPELINE_METRICS_HTTP_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "pipeline/metrics/registry.h"

namespace httplib {
class Server;
}

namespace riskflow::metrics {

// Serves GET /metrics (text exposition 0.0.4) from a registry over plain
// HTTP (cpp-httplib). Meant for a loopback or cluster-internal address:
// it carries no secrets, but neither authentication.
class HttpServer {
 public:
  // host:port; port 0 picks a free port (see port()).
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const std::string& host_port, const Registry* registry);
  ~HttpServer();
  int port() const { return port_; }
  void Stop();

 private:
  HttpServer() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace riskflow::metrics

#endif  // RISKFLOW_PIPELINE_METRICS_HTTP_SERVER_H_
