// riskflow.v1.Cases: decision lookup for customer service, served by
// riskflow-cases over its CaseStore (docs/cases.md). Here because
// pipeline/server is where grpc::Status is made.
#ifndef RISKFLOW_PIPELINE_SERVER_CASES_SERVICE_H_
#define RISKFLOW_PIPELINE_SERVER_CASES_SERVICE_H_

#include "pipeline/cases/case_store.h"
#include "proto/riskflow/v1/cases.grpc.pb.h"

namespace riskflow::server {

class CasesService final : public riskflow::v1::Cases::Service {
 public:
  explicit CasesService(riskflow::cases::CaseStore* store) : store_(store) {}

  grpc::Status LookupEvent(grpc::ServerContext* context,
                           const riskflow::v1::LookupEventRequest* request,
                           riskflow::v1::EventLookup* response) override;
  grpc::Status LookupAccount(grpc::ServerContext* context,
                             const riskflow::v1::LookupAccountRequest* request,
                             riskflow::v1::AccountLookup* response) override;

 private:
  riskflow::cases::CaseStore* store_;
};

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_CASES_SERVICE_H_
