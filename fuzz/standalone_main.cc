// A main() for fuzz targets in the ordinary (gcc, uninstrumented or
// --config=asan) build: every file named on the command line — the seed
// corpus and the regression inputs of one target — goes through
// LLVMFuzzerTestOneInput once. So `bazel test //...` exercises every fuzz
// target on its corpus without clang or libFuzzer, and a crash that a
// fuzzing run once found stays fixed. The real fuzzer binaries
// (--config=fuzz, libFuzzer's own main) are built by tools/fuzz.sh.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
    __attribute__((weak));

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  int inputs = 0;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      // A missing input is a broken BUILD file, not a pass.
      std::fprintf(stderr, "standalone_main: cannot read %s\n", argv[i]);
      return 1;
    }
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    // A copy of exactly the input's size, so ASan sees reads past its end.
    std::vector<uint8_t> data(bytes.begin(), bytes.end());
    std::fprintf(stderr, "standalone_main: %s (%zu bytes)\n", argv[i],
                 data.size());
    LLVMFuzzerTestOneInput(data.empty() ? nullptr : data.data(), data.size());
    ++inputs;
  }
  // Also the empty input, which every decoder must survive.
  LLVMFuzzerTestOneInput(nullptr, 0);
  std::printf("standalone_main: %d inputs ran without a crash\n", inputs);
  if (inputs == 0) {
    std::fprintf(stderr, "standalone_main: no inputs given\n");
    return 1;
  }
  return 0;
}
