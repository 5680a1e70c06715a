#include <string>

#include "pipeline/console/static_files.h"

namespace riskflow::console {

void InstallStaticRoutes(httplib::Server* server) {
  for (const StaticFile& f : StaticFiles()) {
    auto handler = [&f](const httplib::Request&, httplib::Response& res) {
      res.set_content(f.data, f.size, f.content_type);
    };
    server->Get(f.path, handler);
    if (std::string(f.path) == "/index.html") server->Get("/", handler);
  }
}

}  // namespace riskflow::console
