#include "pipeline/storage/key_encoding.h"

namespace riskflow::storage {

bool PrefixSuccessor(std::string_view prefix, std::string* out) {
  out->assign(prefix.data(), prefix.size());
  while (!out->empty()) {
    unsigned char last = static_cast<unsigned char>(out->back());
    if (last != 0xff) {
      out->back() = static_cast<char>(last + 1);
      return true;
    }
    out->pop_back();
  }
  return false;
}

}  // namespace riskflow::storage
