#ifndef RISKFLOW_PIPELINE_LOG_CARD_NUMBERS_H_
#define RISKFLOW_PIPELINE_LOG_CARD_NUMBERS_H_

#include <string>
#include <string_view>

namespace riskflow::log {

// Card numbers (PANs) as they are written in free text: 13 to 19 digits,
// optionally grouped by single spaces or dashes ("4111 1111 1111 1111",
// "4111-1111-1111-1111"), whose first digit is a payment-card major
// industry identifier (2 to 6) and that pass the Luhn check.
//
// How a string is scanned: digit groups joined by one space or dash form a
// chain; every run of whole consecutive groups of a chain with 13..19 digits
// is a candidate (so "order 12 4111 1111 1111 1111" finds the card). A single
// unbroken run of more than 19 digits is not a card number and is not
// searched inside: any 13..19-digit window of random digits passes Luhn one
// time in ten, so searching inside long numbers would mostly find noise.
//
// Why the first digit must be 2..6: a 13-digit epoch-millisecond timestamp
// (1xxxxxxxxxxxx) passes Luhn one time in ten and is common in attributes;
// no major card brand (Visa 4, Mastercard 2/5, Amex 3, Discover/UnionPay 6)
// issues numbers starting with 0, 1, 7, 8 or 9.

// True if `s` holds a card number.
bool ContainsCardNumber(std::string_view s);

// `s` with every card number's digits between the first 6 and the last 4
// replaced by '*' (separators kept), e.g. "4111-11**-****-1111".
std::string MaskCardNumbers(std::string_view s);

// The Luhn check over a string of digits only.
bool LuhnValid(std::string_view digits);

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_CARD_NUMBERS_H_
