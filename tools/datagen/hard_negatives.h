// The hard negatives of benign traffic: named, documented behaviours that
// real payment traffic has, that carry no label (they are benign) and that
// a detector tuned only on clean traffic flags. GeneratorStats counts their
// episodes under these names. Where they live:
//
//   small_account_treat  benign.cc   a small-amount account (budget 3-30
//                                    CNY) spends ~7 days' worth at once
//   quiet_big_day        benign.cc   a quiet account (1/4 of the sessions)
//                                    buys ~25 days' worth, funded first
//   split_bill           benign.cc   the same shop twice, minutes apart,
//                                    different amounts
//   same_payee_later     benign.cc   the same shop and amount again, 1-6h
//                                    later
//   trip_abroad          benign.cc   2-9 days abroad after a plausible
//                                    flight (700 km/h + 3h), paying at
//                                    local shops new to the account
//   payday               hard_negatives.cc  monthly salary, then rent (~10
//                                    days' spending), a utility and savings
//                                    out within a minute, every 30 days
//   merchant_payout_run  hard_negatives.cc  a merchant's daily settlement
//                                    in, then 6-15 supplier payouts 2-8 s
//                                    apart
//
// The profile shares and chances are GeneratorOptions fields.
#ifndef RISKFLOW_TOOLS_DATAGEN_HARD_NEGATIVES_H_
#define RISKFLOW_TOOLS_DATAGEN_HARD_NEGATIVES_H_

namespace riskflow::datagen {

inline constexpr const char* kHardNegativeNames[] = {
    "small_account_treat", "quiet_big_day", "split_bill", "same_payee_later",
    "trip_abroad",         "payday",        "merchant_payout_run"};

}  // namespace riskflow::datagen

#endif  // RISKFLOW_TOOLS_DATAGEN_HARD_NEGATIVES_H_
