// The event field a detector's state is keyed by (rf_partition_key, declared
// at create() through rf_host_api::partition_by): which shard runs the
// detector for an event (docs/keyed-stages.md).
#ifndef RISKFLOW_PIPELINE_PLUGIN_HOST_PARTITION_KEY_H_
#define RISKFLOW_PIPELINE_PLUGIN_HOST_PARTITION_KEY_H_

#include <cstdint>
#include <string_view>

#include "plugins/sdk/riskflow_plugin.h"
#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::plugin_host {

inline bool ValidPartitionKey(int32_t key) {
  return key >= RF_PARTITION_ACCOUNT && key <= RF_PARTITION_IP;
}

// "account", "counterparty", "device", "ip".
inline const char* PartitionKeyName(rf_partition_key key) {
  switch (key) {
    case RF_PARTITION_ACCOUNT: return "account";
    case RF_PARTITION_COUNTERPARTY: return "counterparty";
    case RF_PARTITION_DEVICE: return "device";
    case RF_PARTITION_IP: return "ip";
  }
  return "unknown";
}

// The value the event is partitioned by for `key`. An empty value is a key
// like any other (it hashes to one shard), so the placement stays a
// function of the event.
inline std::string_view PartitionValue(const riskflow::v1::Event& e,
                                       rf_partition_key key) {
  switch (key) {
    case RF_PARTITION_ACCOUNT: return e.account_id();
    case RF_PARTITION_COUNTERPARTY: return e.counterparty();
    case RF_PARTITION_DEVICE: return e.device_id();
    case RF_PARTITION_IP: return e.ip();
  }
  return e.account_id();
}

}  // namespace riskflow::plugin_host

#endif  // RISKFLOW_PIPELINE_PLUGIN_HOST_PARTITION_KEY_H_
