#include "pipeline/server/bad_request_interceptor.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace riskflow::server {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

class BadRequestInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BadRequestInterceptor(ServerRpcInfo* info) : info_(info) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      // The sync server stores no message when deserialization failed.
      unparsed_ = true;
    }
    if (unparsed_ && methods->QueryInterceptionHookPoint(
                         InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      if (status.error_code() == grpc::StatusCode::INTERNAL) {
        methods->ModifySendStatus(grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat("the request bytes are not a valid request message "
                         "for ",
                         info_->method(),
                         " (protobuf parse failed: malformed bytes, or a "
                         "string field that is not valid UTF-8); nothing "
                         "was done")));
      }
    }
    methods->Proceed();
  }

 private:
  ServerRpcInfo* info_;
  bool unparsed_ = false;
};

class Factory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      ServerRpcInfo* info) override {
    // Only calls with one request message go through the sync
    // deserialization this fixes.
    if (info->type() != ServerRpcInfo::Type::UNARY &&
        info->type() != ServerRpcInfo::Type::SERVER_STREAMING) {
      return nullptr;
    }
    return new BadRequestInterceptor(info);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewBadRequestInterceptorFactory() {
  return std::make_unique<Factory>();
}

}  // namespace riskflow::server
