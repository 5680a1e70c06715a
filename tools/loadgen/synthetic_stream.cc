#include "tools/loadgen/synthetic_stream.h"

#include <cmath>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"

namespace riskflow::loadgen {

std::vector<riskflow::v1::PublishRequest> MakeBatches(
    const StreamShape& shape) {
  std::mt19937_64 rng(shape.seed);
  std::uniform_int_distribution<uint32_t> account(0, shape.accounts - 1);
  std::uniform_int_distribution<int> kind(0, 99);
  // Log-normal amounts: most small, a long tail of large ones.
  std::lognormal_distribution<double> amount(8.5, 1.6);
  static const char* kCurrencies[] = {"CNY", "CNY", "CNY", "USD", "EUR"};
  static const char* kChannels[] = {"card-acq-1", "wallet-app", "bank-rails"};

  std::vector<riskflow::v1::PublishRequest> batches;
  batches.reserve(shape.events / shape.batch_size + 1);
  for (uint64_t i = 0; i < shape.events; ++i) {
    if (i % shape.batch_size == 0) {
      batches.emplace_back().set_batch_id(batches.size());
    }
    riskflow::v1::Event* e = batches.back().add_events();
    e->set_event_id(absl::StrCat("lg", shape.run, "-", i));
    e->set_channel_id(kChannels[i % 3]);
    e->set_event_time_ms(shape.start_time_ms +
                         static_cast<int64_t>(i) * shape.step_ms);
    const uint32_t a = account(rng);
    e->set_account_id(absl::StrCat("acct-", a));
    const int k = kind(rng);
    if (k < 8) {
      e->set_type(riskflow::v1::LOGIN);
      e->set_device_id(absl::StrCat("dev-", a % 50000));
      continue;
    }
    e->set_type(k < 75 ? riskflow::v1::PAYMENT
                       : (k < 90 ? riskflow::v1::PAYOUT : riskflow::v1::TRANSFER));
    e->set_counterparty(absl::StrCat("merchant-", rng() % 20000));
    e->set_amount_minor(static_cast<int64_t>(std::min(amount(rng), 5e8)));
    e->set_currency(kCurrencies[i % 5]);
    e->set_country("CN");
  }
  return batches;
}

}  // namespace riskflow::loadgen
