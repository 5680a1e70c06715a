#include "pipeline/lists/apply_lists.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "pipeline/router/router.h"

namespace riskflow::lists {
namespace {

using riskflow::v1::ListEntity;
using riskflow::v1::ListEntry;

struct Subject {
  ListEntity entity;
  const std::string* value;
};

std::string Describe(const ListEntry& e) {
  return absl::StrCat(riskflow::v1::ListKind_Name(e.kind()), " list ",
                      riskflow::v1::ListEntity_Name(e.entity()), " ",
                      e.value());
}

riskflow::v1::Annotation* AddListAnnotation(const ListEntry& e,
                                            const char* reason,
                                            riskflow::v1::Route route,
                                            riskflow::v1::Decision* d) {
  riskflow::v1::Annotation* a = d->add_annotations();
  a->set_detector(kListsDetector);
  a->set_score(1.0);
  a->set_reason_code(reason);
  a->set_route_hint(route);
  a->set_route(route);
  a->set_message(absl::StrCat(Describe(e),
                              e.reason().empty() ? "" : ": ", e.reason()));
  auto add = [a](const char* key, const std::string& value) {
    riskflow::v1::Evidence* ev = a->add_evidence();
    ev->set_key(key);
    ev->set_value(value);
  };
  add("entity", riskflow::v1::ListEntity_Name(e.entity()));
  add("value", e.value());
  if (!e.added_by().empty()) add("added_by", e.added_by());
  if (e.expires_at_ms() != 0) add("expires_at_ms", absl::StrCat(e.expires_at_ms()));
  return a;
}

}  // namespace

void ApplyLists(const ListSnapshot& lists, const riskflow::v1::Event& event,
                riskflow::v1::Decision* decision) {
  if (lists.empty()) return;
  const Subject subjects[] = {
      {riskflow::v1::ACCOUNT, &event.account_id()},
      {riskflow::v1::COUNTERPARTY, &event.counterparty()},
      {riskflow::v1::DEVICE, &event.device_id()},
      {riskflow::v1::IP, &event.ip()},
  };
  const int64_t t = event.event_time_ms();
  const ListEntry* allow = nullptr;
  std::vector<const ListEntry*> blocks;
  for (const Subject& s : subjects) {
    if (const ListEntry* b =
            lists.Find(riskflow::v1::BLOCK, s.entity, *s.value, t)) {
      blocks.push_back(b);
    }
    if (allow == nullptr) {
      allow = lists.Find(riskflow::v1::ALLOW, s.entity, *s.value, t);
    }
  }
  if (allow == nullptr && blocks.empty()) return;

  if (allow != nullptr) {
    std::vector<std::string> suppressed;
    const std::string by = Describe(*allow);
    for (riskflow::v1::Annotation& a : *decision->mutable_annotations()) {
      if (a.route() == riskflow::v1::PASS ||
          a.route() == riskflow::v1::ROUTE_UNSPECIFIED) {
        continue;
      }
      suppressed.push_back(
          absl::StrCat(a.detector(), ":", riskflow::v1::Route_Name(a.route())));
      a.set_suppressed_route(a.route());
      a.set_suppressed_by(by);
      a.set_route(riskflow::v1::PASS);
    }
    riskflow::v1::Annotation* a =
        AddListAnnotation(*allow, "ALLOWLIST", riskflow::v1::PASS, decision);
    riskflow::v1::Evidence* ev = a->add_evidence();
    ev->set_key("suppressed");
    ev->set_value(absl::StrJoin(suppressed, ","));
  }
  for (const ListEntry* b : blocks) {
    AddListAnnotation(*b, "BLOCKLIST", riskflow::v1::FREEZE, decision);
  }
  router::SetRoutesFromAnnotations(decision);
}

}  // namespace riskflow::lists
