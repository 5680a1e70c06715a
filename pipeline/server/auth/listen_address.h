// Whether a --listen address only accepts connections from this machine.
#ifndef RISKFLOW_PIPELINE_SERVER_AUTH_LISTEN_ADDRESS_H_
#define RISKFLOW_PIPELINE_SERVER_AUTH_LISTEN_ADDRESS_H_

#include "absl/strings/string_view.h"

namespace riskflow::server::auth {

// True for 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z), "localhost" and
// unix-domain sockets ("unix:..."). False for everything else, including
// 0.0.0.0, ::, an empty host (":7411" binds every interface) and any other
// host name: only what provably stays on this machine counts as loopback.
bool IsLoopbackListenAddress(absl::string_view address);

}  // namespace riskflow::server::auth

#endif  // RISKFLOW_PIPELINE_SERVER_AUTH_LISTEN_ADDRESS_H_
