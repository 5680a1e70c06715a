#include "pipeline/server/auth/listen_address.h"

#include "gtest/gtest.h"

namespace riskflow::server::auth {
namespace {

TEST(ListenAddressTest, LoopbackOnlyWhenProvablyLocal) {
  for (const char* local :
       {"127.0.0.1:7411", "127.0.0.1:0", "127.1.2.3:80", "localhost:7411",
        "LOCALHOST:1", "[::1]:7411", "::1", "[::ffff:127.0.0.1]:7411",
        "ipv4:127.0.0.1:5", "unix:/tmp/riskflow.sock", "127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackListenAddress(local)) << local;
  }
  for (const char* remote :
       {"0.0.0.0:7411", "0.0.0.0:0", "[::]:7411", ":7411", "10.0.0.5:7411",
        "128.0.0.1:7411", "example.com:7411", "localhost.evil.com:7411",
        "[::ffff:10.0.0.1]:7411", "", "[::1:7411", "riskflow:7411"}) {
    EXPECT_FALSE(IsLoopbackListenAddress(remote)) << remote;
  }
}

}  // namespace
}  // namespace riskflow::server::auth
