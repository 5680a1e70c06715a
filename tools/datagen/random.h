// A small, portable PRNG and the distributions the generator draws from.
// std::mt19937 is portable but std::*_distribution is not (libstdc++ and
// libc++ draw differently), and "same seed => byte-identical output" must
// hold whichever standard library builds the binary; so everything here is
// written out by hand on top of xoshiro256**.
#ifndef RISKFLOW_TOOLS_DATAGEN_RANDOM_H_
#define RISKFLOW_TOOLS_DATAGEN_RANDOM_H_

#include <cmath>
#include <cstdint>

namespace riskflow::datagen {

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    // splitmix64 spreads a small seed (42) over the whole 256-bit state.
    for (uint64_t& word : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // [0, n); the modulo bias is below 2^-40 for the n used here.
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  // [lo, hi] inclusive.
  int64_t Range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  bool Chance(double p) { return Uniform() < p; }

  // Box-Muller without the cached second value: one fewer piece of state
  // to get wrong, and speed is not the bottleneck (output formatting is).
  double Normal() {
    const double u1 = 1.0 - Uniform();  // (0, 1]: log(0) is -inf
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double LogNormal(double median, double sigma) {
    return median * std::exp(sigma * Normal());
  }
  // Pareto with scale xm and shape alpha: heavy right tail, minimum xm.
  double Pareto(double xm, double alpha) {
    return xm / std::pow(1.0 - Uniform(), 1.0 / alpha);
  }
  double Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace riskflow::datagen

#endif  // RISKFLOW_TOOLS_DATAGEN_RANDOM_H_
