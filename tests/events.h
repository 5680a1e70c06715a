// Event and batch builders for the end-to-end tests. Every event carries a
// fixed event time supplied by the test, never the wall clock.
#ifndef RISKFLOW_TESTS_EVENTS_H_
#define RISKFLOW_TESTS_EVENTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "proto/riskflow/v1/event.pb.h"
#include "proto/riskflow/v1/ingest.pb.h"

namespace riskflow::e2e {

// 2023-11-14T22:13:20Z, a whole second, so 1s velocity buckets line up.
inline constexpr int64_t kT0 = 1700000000000;
inline constexpr int64_t kSecond = 1000;
inline constexpr int64_t kMinute = 60 * kSecond;
inline constexpr char kChannel[] = "e2e-channel";

riskflow::v1::Event MoneyEvent(riskflow::v1::EventType type,
                               const std::string& id,
                               const std::string& account,
                               const std::string& counterparty,
                               int64_t amount_minor,
                               const std::string& currency, int64_t time_ms);

riskflow::v1::Event Payment(const std::string& id, const std::string& account,
                            const std::string& counterparty,
                            int64_t amount_minor, const std::string& currency,
                            int64_t time_ms);
riskflow::v1::Event Payout(const std::string& id, const std::string& account,
                           const std::string& counterparty,
                           int64_t amount_minor, const std::string& currency,
                           int64_t time_ms);
riskflow::v1::Event Transfer(const std::string& id, const std::string& account,
                             const std::string& counterparty,
                             int64_t amount_minor, const std::string& currency,
                             int64_t time_ms);
riskflow::v1::Event Login(const std::string& id, const std::string& account,
                          int64_t time_ms);

riskflow::v1::PublishRequest Batch(uint64_t batch_id,
                                   std::vector<riskflow::v1::Event> events);

// Splits events into batches of at most `size`, numbered from first_id.
std::vector<riskflow::v1::PublishRequest> Batches(
    const std::vector<riskflow::v1::Event>& events, size_t size,
    uint64_t first_id = 1);

}  // namespace riskflow::e2e

#endif  // RISKFLOW_TESTS_EVENTS_H_
