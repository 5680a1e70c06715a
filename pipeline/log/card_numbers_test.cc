#include "pipeline/log/card_numbers.h"

#include <string>

#include "gtest/gtest.h"

namespace riskflow::log {
namespace {

TEST(CardNumbersTest, Luhn) {
  EXPECT_TRUE(LuhnValid("4111111111111111"));
  EXPECT_TRUE(LuhnValid("79927398713"));
  EXPECT_FALSE(LuhnValid("4111111111111112"));
  EXPECT_FALSE(LuhnValid(""));
  EXPECT_FALSE(LuhnValid("41x1"));
}

TEST(CardNumbersTest, FindsCardNumbersAsTheyAreWritten) {
  for (const char* s : {
           "4111111111111111",            // Visa test number
           "5555555555554444",            // Mastercard
           "378282246310005",             // Amex, 15 digits
           "6011111111111117",            // Discover
           "4222222222222",               // 13-digit Visa
           "6212345678901265",            // UnionPay 16
           "4111 1111 1111 1111",         // grouped by spaces
           "4111-1111-1111-1111",         // grouped by dashes
           "3782-822463-10005",           // Amex grouping
           "acct-4111111111111111",       // inside an id
           "card:5555555555554444;exp",   // inside free text
           "order 12 4111 1111 1111 1111",  // a chain: the card is found
           "4111111111111111 2031",       // followed by a year
       }) {
    EXPECT_TRUE(ContainsCardNumber(s)) << s;
  }
}

TEST(CardNumbersTest, LetsOtherDigitStringsThrough) {
  for (const char* s : {
           "4111111111111112",      // 16 digits failing Luhn (an order id)
           "1234567890123456",      // fails Luhn
           "order-9876543210987654",  // 16 digits failing Luhn
           "1700000000004",         // Luhn-valid epoch ms: starts with 1
           "8000000000000001",      // Luhn-valid, first digit 8
           "411111111111",          // 12 digits
           "41111111111111111111111",  // one run of 23 digits
           "4111  1111 1111 1111",  // two spaces break the chain
           "4111/1111/1111/1111",   // '/' is not a separator
           "10.17.163.94",
           "+86 138 0013 8000",
           "2026-01-01 12:30:00",
           "",
       }) {
    EXPECT_FALSE(ContainsCardNumber(s)) << s;
  }
}

TEST(CardNumbersTest, MaskKeepsFirstSixAndLastFour) {
  EXPECT_EQ(MaskCardNumbers("4111111111111111"), "411111******1111");
  EXPECT_EQ(MaskCardNumbers("acct 4111-1111-1111-1111 x"),
            "acct 4111-11**-****-1111 x");
  EXPECT_EQ(MaskCardNumbers("4222222222222"), "422222***2222");
  EXPECT_EQ(MaskCardNumbers("no card 1234"), "no card 1234");
  EXPECT_EQ(MaskCardNumbers("4111111111111111/5555555555554444"),
            "411111******1111/555555******4444");
}

TEST(CardNumbersTest, MaskedTextHoldsNoCardNumber) {
  for (const char* s : {
           "4111111111111111 5555555555554444 378282246310005",
           "4111-1111-1111-1111-5555-5555-5555-4444",
           "order 12 4111 1111 1111 1111",
       }) {
    const std::string masked = MaskCardNumbers(s);
    EXPECT_FALSE(ContainsCardNumber(masked)) << s << " -> " << masked;
    EXPECT_EQ(masked.size(), std::string(s).size());
  }
}

}  // namespace
}  // namespace riskflow::log
