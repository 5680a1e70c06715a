#include "plugins/sdk/fake_host.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <limits>

#include "plugins/sdk/fake_host_callbacks.h"
#include "plugins/sdk/file_params.h"
#include "plugins/sdk/window_math.h"

namespace riskflow {
namespace sdk {
namespace {

std::string_view View(rf_str s) {
  return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}
rf_str Str(const std::string& s) { return rf_str{s.data(), s.size()}; }

const char* KindName(rf_state_kind kind) {
  switch (kind) {
    case RF_STATE_COUNTER:
      return "COUNTER";
    case RF_STATE_SUM:
      return "SUM";
    case RF_STATE_DISTINCT:
      return "DISTINCT";
    case RF_STATE_LAST_SEEN:
      return "LAST_SEEN";
  }
  return "UNKNOWN";
}

}  // namespace

rf_event_view FakeEvent::View(std::vector<rf_kv>* attribute_storage) const {
  attribute_storage->clear();
  for (const auto& [k, v] : attributes) {
    attribute_storage->push_back(rf_kv{Str(k), Str(v)});
  }
  rf_event_view view;
  std::memset(&view, 0, sizeof(view));
  view.struct_size = sizeof(view);
  view.sequence = sequence;
  view.event_id = Str(event_id);
  view.channel_id = Str(channel_id);
  view.type = type;
  view.event_time_ms = event_time_ms;
  view.account_id = Str(account_id);
  view.counterparty = Str(counterparty);
  view.amount_minor = amount_minor;
  view.currency = Str(currency);
  view.source_amount_minor = source_amount_minor;
  view.source_currency = Str(source_currency);
  view.fx_rate = fx_rate;
  view.country = Str(country);
  view.counterparty_country = Str(counterparty_country);
  view.latitude = latitude;
  view.longitude = longitude;
  view.ip = Str(ip);
  view.device_id = Str(device_id);
  view.attributes = attribute_storage->data();
  view.attribute_count = attribute_storage->size();
  return view;
}

std::string FakeAnnotation::Evidence(const std::string& key) const {
  for (const auto& [k, v] : evidence) {
    if (k == key) return v;
  }
  return "";
}

FakeHost::FakeHost(const rf_plugin_descriptor* descriptor)
    : descriptor_(descriptor),
      detector_name_(descriptor != nullptr && descriptor->name != nullptr
                         ? descriptor->name
                         : ""),
      api_(fake_host_internal::MakeTracingHostApi()) {}

FakeHost::~FakeHost() {
  if (instance_ != nullptr) descriptor_->destroy(instance_);
}

Status FakeHost::Create(const std::map<std::string, std::string>& params) {
  last_error_.clear();
  const rf_plugin_descriptor* d = descriptor_;
  // ABI 1.0's descriptor ends with last_error; later fields are optional.
  if (d == nullptr ||
      d->struct_size < offsetof(rf_plugin_descriptor, last_error) +
                           sizeof(d->last_error)) {
    last_error_ = "plugin descriptor is null or too small";
  } else if (d->abi_major != RF_ABI_MAJOR || d->abi_minor > RF_ABI_MINOR) {
    last_error_ = "plugin '" + std::string(d->name ? d->name : "") +
                  "' needs ABI " + std::to_string(d->abi_major) + "." +
                  std::to_string(d->abi_minor) + ", this host speaks " +
                  std::to_string(RF_ABI_MAJOR) + "." +
                  std::to_string(RF_ABI_MINOR);
  } else if (d->name == nullptr || d->create == nullptr ||
             d->on_event == nullptr || d->destroy == nullptr ||
             d->last_error == nullptr) {
    last_error_ = "plugin descriptor lacks a name or a callback";
  } else if (instance_ != nullptr) {
    last_error_ = "Create called twice";
  } else if (std::vector<LoadedFileParam> files;
             ParseParams(d->params, d->param_count, params, &params_,
                         &last_error_) &&
             LoadFileParams(d->params, d->param_count, file_base_dir_,
                            &params_, &files, &last_error_)) {
    fake_host_internal::CurrentHostScope scope(this);
    char buf[1024] = {0};
    void* instance = nullptr;
    init_ctx_.active = true;
    rf_status s =
        d->create(&api_, reinterpret_cast<rf_init_ctx*>(&init_ctx_),
                  params_.data(), params_.size(), &instance, buf, sizeof(buf));
    init_ctx_.active = false;
    if (s == RF_OK) {
      instance_ = instance;
      return Status::Ok();
    }
    last_error_ = buf[0] != '\0' ? std::string(buf)
                                 : "create() returned status " +
                                       std::to_string(static_cast<int>(s));
  }
  return Status::Error(last_error_);
}

Status FakeHost::Feed(const FakeEvent& event,
                      std::vector<FakeAnnotation>* annotations) {
  std::vector<rf_kv> attributes;
  rf_event_view view = event.View(&attributes);
  return Feed(view, annotations);
}

Status FakeHost::Feed(const rf_event_view& event,
                      std::vector<FakeAnnotation>* annotations) {
  last_error_.clear();
  last_annotations_.clear();
  if (instance_ == nullptr) {
    last_error_ = "Feed before a successful Create";
  } else {
    fake_host_internal::CurrentHostScope scope(this);
    event_ = &event;
    random_ = SplitMix64(RandomSeed(detector_name_, View(event.channel_id),
                                    View(event.event_id)));
    call_ctx_.active = true;
    rf_status s = descriptor_->on_event(
        instance_, reinterpret_cast<rf_call_ctx*>(&call_ctx_), &event);
    call_ctx_.active = false;
    event_ = nullptr;
    call_scratch_.clear();
    if (s != RF_OK) {
      const char* msg = descriptor_->last_error(instance_);
      last_error_ = msg != nullptr && msg[0] != '\0'
                        ? std::string(msg)
                        : "on_event() returned status " +
                              std::to_string(static_cast<int>(s));
    }
  }
  if (annotations != nullptr) *annotations = last_annotations_;
  return last_error_.empty() ? Status::Ok() : Status::Error(last_error_);
}

bool FakeHost::has_entity_hints() const {
  const rf_plugin_descriptor* d = descriptor_;
  return d != nullptr &&
         d->struct_size >= offsetof(rf_plugin_descriptor, entity_hints) +
                               sizeof(d->entity_hints) &&
         d->entity_hints != nullptr;
}

Status FakeHost::EntityHints(const FakeEvent& event,
                             std::vector<std::string>* out) {
  std::vector<rf_kv> attributes;
  rf_event_view view = event.View(&attributes);
  return EntityHints(view, out);
}

Status FakeHost::EntityHints(const rf_event_view& event,
                             std::vector<std::string>* out) {
  out->clear();
  if (instance_ == nullptr) return Status::Error("EntityHints before Create");
  if (!has_entity_hints()) return Status::Ok();
  // No call context: a state call or annotation from inside the callback
  // is refused (call_ctx_ is inactive), as riskflowd gives it none.
  fake_host_internal::CurrentHostScope scope(this);
  const rf_status s = descriptor_->entity_hints(
      instance_, fake_host_internal::HintSinkFor(out), &event);
  hints_declined_ = s == RF_NOT_FOUND;
  if (hints_declined_) {
    out->clear();
    return Status::Ok();
  }
  if (s != RF_OK) {
    return Status::Error("entity_hints() returned status " +
                         std::to_string(static_cast<int>(s)));
  }
  return Status::Ok();
}

rf_status FakeHost::Refuse(const std::string& why) {
  host_errors_.push_back(why);
  return RF_INVALID_ARGUMENT;
}

const FakeHost::StateDecl* FakeHost::Lookup(const char* call,
                                            const CtxBase* ctx,
                                            rf_state_handle h,
                                            rf_state_kind kind1,
                                            rf_state_kind kind2) {
  std::string name = call;
  if (ctx != &call_ctx_ || !ctx->active) {
    Refuse(name + ": only valid during on_event()");
    return nullptr;
  }
  if (h == 0 || h > states_.size()) {
    Refuse(name + ": unknown state handle " + std::to_string(h));
    return nullptr;
  }
  const StateDecl& decl = states_[h - 1];
  if (decl.spec.kind != kind1 && decl.spec.kind != kind2) {
    Refuse(name + ": state '" + decl.name + "' is " + KindName(decl.spec.kind));
    return nullptr;
  }
  return &decl;
}

bool FakeHost::CheckWindow(const char* call, const StateDecl& decl,
                           int64_t window_ms) {
  if (window_ms >= 1 && window_ms <= decl.spec.window_ms) return true;
  Refuse(std::string(call) + ": window_ms " + std::to_string(window_ms) +
         (window_ms < 1
              ? " is not positive"
              : " exceeds the " + std::to_string(decl.spec.window_ms) +
                    " declared for state '" + decl.name + "'"));
  return false;
}

int64_t FakeHost::HorizonBucket(const StateDecl& decl) const {
  if (!has_watermark_) return std::numeric_limits<int64_t>::min();
  return sdk::HorizonBucket(watermark_ms_,
                            std::max(decl.spec.window_ms, decl.spec.ttl_ms),
                            decl.spec.bucket_ms);
}

bool FakeHost::BehindHorizon(const StateDecl& decl, int64_t stored_ms) const {
  // Last-seen without a ttl never expires. With 1 ms "buckets" the horizon
  // bucket is the first time kept: watermark - ttl + 1.
  if (!has_watermark_ || decl.spec.ttl_ms <= 0) return false;
  return stored_ms < sdk::HorizonBucket(watermark_ms_, decl.spec.ttl_ms, 1);
}

FakeHost::EntityState& FakeHost::Entity(rf_state_handle h,
                                        std::string_view entity) {
  return data_[{h, std::string(entity)}];
}

}  // namespace sdk
}  // namespace riskflow
