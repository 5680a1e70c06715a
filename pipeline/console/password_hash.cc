#include "pipeline/console/password_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdint>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace riskflow::console {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
// Bounds on parameters read back from an encoded hash, so a tampered users
// file cannot make one login allocate gigabytes or spin for minutes.
constexpr int kMaxLog2N = 20;
constexpr int kMaxR = 32;
constexpr int kMaxP = 16;
constexpr uint64_t kMaxMemoryBytes = 1ull << 30;

struct Parsed {
  ScryptCost cost;
  std::string salt;
  std::string hash;
};

absl::StatusOr<std::string> Derive(absl::string_view password,
                                   absl::string_view salt,
                                   const ScryptCost& cost) {
  const uint64_t n = uint64_t{1} << cost.log2_n;
  std::string out(kHashBytes, '\0');
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()),
                     salt.size(), n, cost.r, cost.p, kMaxMemoryBytes,
                     reinterpret_cast<unsigned char*>(out.data()),
                     out.size()) != 1) {
    return absl::InternalError("scrypt failed (OpenSSL EVP_PBE_scrypt)");
  }
  return out;
}

absl::StatusOr<Parsed> Parse(absl::string_view encoded) {
  std::vector<absl::string_view> parts = absl::StrSplit(encoded, '$');
  if (parts.size() != 6 || parts[0] != "scrypt") {
    return absl::InvalidArgumentError(
        "password hash is not 'scrypt$<log2 N>$<r>$<p>$<salt>$<hash>'");
  }
  Parsed p;
  if (!absl::SimpleAtoi(parts[1], &p.cost.log2_n) || p.cost.log2_n < 10 ||
      p.cost.log2_n > kMaxLog2N) {
    return absl::InvalidArgumentError(absl::StrCat(
        "password hash: log2 N '", std::string(parts[1]), "' is not in [10, ", kMaxLog2N,
        "]"));
  }
  if (!absl::SimpleAtoi(parts[2], &p.cost.r) || p.cost.r < 1 ||
      p.cost.r > kMaxR) {
    return absl::InvalidArgumentError(absl::StrCat(
        "password hash: r '", std::string(parts[2]), "' is not in [1, ", kMaxR, "]"));
  }
  if (!absl::SimpleAtoi(parts[3], &p.cost.p) || p.cost.p < 1 ||
      p.cost.p > kMaxP) {
    return absl::InvalidArgumentError(absl::StrCat(
        "password hash: p '", std::string(parts[3]), "' is not in [1, ", kMaxP, "]"));
  }
  if (!absl::Base64Unescape(parts[4], &p.salt) || p.salt.size() < 8) {
    return absl::InvalidArgumentError(
        "password hash: the salt is not base64 of at least 8 bytes");
  }
  if (!absl::Base64Unescape(parts[5], &p.hash) || p.hash.size() != kHashBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "password hash: the hash is not base64 of ", kHashBytes, " bytes"));
  }
  return p;
}

}  // namespace

absl::StatusOr<std::string> HashPassword(absl::string_view password,
                                         const ScryptCost& cost) {
  if (password.size() < kMinPasswordBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "password is too short: at least ", kMinPasswordBytes, " bytes"));
  }
  if (password.size() > kMaxPasswordBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "password is too long: at most ", kMaxPasswordBytes, " bytes"));
  }
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()),
                 static_cast<int>(salt.size())) != 1) {
    return absl::InternalError("no random bytes for a salt (OpenSSL RAND)");
  }
  absl::StatusOr<std::string> hash = Derive(password, salt, cost);
  if (!hash.ok()) return hash.status();
  return absl::StrCat("scrypt$", cost.log2_n, "$", cost.r, "$", cost.p, "$",
                      absl::Base64Escape(salt), "$",
                      absl::Base64Escape(*hash));
}

absl::StatusOr<bool> VerifyPassword(absl::string_view password,
                                    absl::string_view encoded) {
  absl::StatusOr<Parsed> p = Parse(encoded);
  if (!p.ok()) return p.status();
  // Too long to be a password this code accepts: no match, and no KDF run
  // whose cost the caller chose.
  if (password.size() > kMaxPasswordBytes) return false;
  absl::StatusOr<std::string> derived = Derive(password, p->salt, p->cost);
  if (!derived.ok()) return derived.status();
  return CRYPTO_memcmp(derived->data(), p->hash.data(), kHashBytes) == 0;
}

bool NeedsRehash(absl::string_view encoded, const ScryptCost& cost) {
  absl::StatusOr<Parsed> p = Parse(encoded);
  if (!p.ok()) return true;
  return p->cost.log2_n < cost.log2_n || p->cost.r < cost.r ||
         p->cost.p < cost.p;
}

}  // namespace riskflow::console
