#ifndef RISKFLOW_PIPELINE_CONSOLE_STATIC_FILES_H_
#define RISKFLOW_PIPELINE_CONSOLE_STATIC_FILES_H_

// The console's HTML/JS/CSS (pipeline/console/static/), compiled into the
// binary by embed_files.

#include <cstddef>
#include <vector>

#include "httplib.h"

namespace riskflow::console {

struct StaticFile {
  const char* path;  // "/index.html"
  const char* content_type;
  const char* data;
  size_t size;
};

const std::vector<StaticFile>& StaticFiles();

// GET for every static file, and "/" for index.html.
void InstallStaticRoutes(httplib::Server* server);

}  // namespace riskflow::console

#endif  // RISKFLOW_PIPELINE_CONSOLE_STATIC_FILES_H_
