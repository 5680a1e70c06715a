// Removing a run's data directory without forking: `system("rm -rf")`
// forked the whole loadgen process, which write-protects every page it
// has, so the next run paid a page fault (and on a VM a TLB-shootdown IPI)
// on the first write to each page (docs/benchmarks.md, twelfth session).
#ifndef RISKFLOW_TOOLS_LOADGEN_DATA_DIR_H_
#define RISKFLOW_TOOLS_LOADGEN_DATA_DIR_H_

#include <string>

namespace riskflow::loadgen {

// Removes `dir` and everything under it; says on stderr what it could not
// remove (a leftover directory only costs disk).
void RemoveDataDir(const std::string& dir);

}  // namespace riskflow::loadgen

#endif  // RISKFLOW_TOOLS_LOADGEN_DATA_DIR_H_
