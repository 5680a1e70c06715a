#include "pipeline/metrics/http_server.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "pipeline/metrics/exposition_parser.h"

namespace riskflow::metrics {
namespace {

TEST(HttpServer, ServesTheRegistryOnAnyPort) {
  Registry registry;
  Counter* c = registry.GetCounter("rf_test_total", "A test counter.",
                                   {{"detector", "we\"ird\nname"}});
  c->Add(41);
  auto server = HttpServer::Start("127.0.0.1:0", &registry);
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->port(), 0);
  c->Add();

  httplib::Client client("127.0.0.1", (*server)->port());
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->get_header_value("Content-Type"),
              ::testing::HasSubstr("version=0.0.4"));
  auto parsed = ParseExposition(res->body);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << res->body;
  EXPECT_EQ(parsed->Sum("rf_test_total", {{"detector", "we\"ird\nname"}}), 42);
  EXPECT_EQ(client.Get("/nothing")->status, 404);
  (*server)->Stop();
}

TEST(HttpServer, RefusesBadAddresses) {
  Registry registry;
  EXPECT_EQ(HttpServer::Start("localhost", &registry).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpServer::Start("127.0.0.1:http", &registry).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto first = HttpServer::Start("127.0.0.1:0", &registry);
  ASSERT_TRUE(first.ok());
  auto second = HttpServer::Start(
      "127.0.0.1:" + std::to_string((*first)->port()), &registry);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace riskflow::metrics
