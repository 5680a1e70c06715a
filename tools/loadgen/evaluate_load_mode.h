// loadgen's "Evaluate under load" mode (docs/evaluate-lane.md): in-process
// daemons with pipeline A, Publish paced at a fraction of the maximum
// decided rate measured in the same run, and sequential Evaluate calls at
// the same time. Its flags live in evaluate_load_mode.cc.
#ifndef RISKFLOW_TOOLS_LOADGEN_EVALUATE_LOAD_MODE_H_
#define RISKFLOW_TOOLS_LOADGEN_EVALUATE_LOAD_MODE_H_

#include <functional>
#include <string>

#include "pipeline/server/daemon.h"

namespace riskflow::loadgen {

// Whether --evaluate_load_fraction or --evaluate_load_rate asks for the
// mode.
bool EvaluateLoadRequested();

// Runs the mode --repeats times and prints each run and the medians.
// `max_decided` is pipeline A's decided events/s of this run; `options`
// returns the daemon options to start with (a fresh data dir each time).
// Returns false (after printing why) when a run fails.
bool RunEvaluateLoadMode(
    double max_decided, int repeats,
    const std::function<riskflow::server::DaemonOptions()>& options);

}  // namespace riskflow::loadgen

#endif  // RISKFLOW_TOOLS_LOADGEN_EVALUATE_LOAD_MODE_H_
