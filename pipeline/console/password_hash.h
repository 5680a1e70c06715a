#ifndef RISKFLOW_PIPELINE_CONSOLE_PASSWORD_HASH_H_
#define RISKFLOW_PIPELINE_CONSOLE_PASSWORD_HASH_H_

// Password hashing for console logins: scrypt (OpenSSL's EVP_PBE_scrypt), a
// memory-hard KDF, with a random 16-byte salt per password.
//
// Encoded form (one line, no secrets but the hash itself):
//   scrypt$<log2 N>$<r>$<p>$<salt, base64>$<hash, base64>
// The parameters travel with the hash, so raising the cost later leaves old
// hashes verifiable (and NeedsRehash says which ones to upgrade at the next
// login).

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace riskflow::console {

struct ScryptCost {
  // N = 2^log2_n. 2^15 * r(8) * 128 B = 32 MiB per hash, ~50-100 ms on the
  // 2-core test machine: slow for a guesser, fine for a login.
  int log2_n = 15;
  int r = 8;
  int p = 1;
};

// Passwords shorter than this are refused when set (not when verified).
inline constexpr size_t kMinPasswordBytes = 10;
// Longer inputs are refused outright: the KDF's cost must not be the
// attacker's to choose.
inline constexpr size_t kMaxPasswordBytes = 1024;

// A new encoded hash of `password`. INVALID_ARGUMENT for a password outside
// [kMinPasswordBytes, kMaxPasswordBytes].
absl::StatusOr<std::string> HashPassword(absl::string_view password,
                                         const ScryptCost& cost = {});

// Whether `password` matches `encoded` (constant-time comparison of the
// derived hash). INVALID_ARGUMENT when `encoded` is not a hash this code
// wrote (names what is wrong), never a silent false.
absl::StatusOr<bool> VerifyPassword(absl::string_view password,
                                    absl::string_view encoded);

// Whether `encoded` was made with a lower cost than `cost`.
bool NeedsRehash(absl::string_view encoded, const ScryptCost& cost = {});

}  // namespace riskflow::console

#endif  // RISKFLOW_PIPELINE_CONSOLE_PASSWORD_HASH_H_
