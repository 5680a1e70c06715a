#include "tests/events.h"

#include <utility>

namespace riskflow::e2e {

using riskflow::v1::Event;

Event MoneyEvent(riskflow::v1::EventType type, const std::string& id,
                 const std::string& account, const std::string& counterparty,
                 int64_t amount_minor, const std::string& currency,
                 int64_t time_ms) {
  Event e;
  e.set_event_id(id);
  e.set_channel_id(kChannel);
  e.set_type(type);
  e.set_event_time_ms(time_ms);
  e.set_account_id(account);
  e.set_counterparty(counterparty);
  e.set_amount_minor(amount_minor);
  e.set_currency(currency);
  return e;
}

Event Payment(const std::string& id, const std::string& account,
              const std::string& counterparty, int64_t amount_minor,
              const std::string& currency, int64_t time_ms) {
  return MoneyEvent(riskflow::v1::PAYMENT, id, account, counterparty,
                    amount_minor, currency, time_ms);
}

Event Payout(const std::string& id, const std::string& account,
             const std::string& counterparty, int64_t amount_minor,
             const std::string& currency, int64_t time_ms) {
  return MoneyEvent(riskflow::v1::PAYOUT, id, account, counterparty,
                    amount_minor, currency, time_ms);
}

Event Transfer(const std::string& id, const std::string& account,
               const std::string& counterparty, int64_t amount_minor,
               const std::string& currency, int64_t time_ms) {
  return MoneyEvent(riskflow::v1::TRANSFER, id, account, counterparty,
                    amount_minor, currency, time_ms);
}

Event Login(const std::string& id, const std::string& account,
            int64_t time_ms) {
  Event e;
  e.set_event_id(id);
  e.set_channel_id(kChannel);
  e.set_type(riskflow::v1::LOGIN);
  e.set_event_time_ms(time_ms);
  e.set_account_id(account);
  return e;
}

riskflow::v1::PublishRequest Batch(uint64_t batch_id,
                                   std::vector<Event> events) {
  riskflow::v1::PublishRequest request;
  request.set_batch_id(batch_id);
  for (Event& e : events) *request.add_events() = std::move(e);
  return request;
}

std::vector<riskflow::v1::PublishRequest> Batches(
    const std::vector<Event>& events, size_t size, uint64_t first_id) {
  std::vector<riskflow::v1::PublishRequest> out;
  for (size_t i = 0; i < events.size(); i += size) {
    riskflow::v1::PublishRequest& request = out.emplace_back();
    request.set_batch_id(first_id + out.size() - 1);
    for (size_t j = i; j < events.size() && j < i + size; ++j) {
      *request.add_events() = events[j];
    }
  }
  return out;
}

}  // namespace riskflow::e2e
