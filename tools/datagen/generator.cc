#include "tools/datagen/generator.h"

#include "tools/datagen/sim.h"

namespace riskflow::datagen {

const char* ScenarioName(Scenario s) {
  return ScenarioNames()[static_cast<int>(s)].c_str();
}

const std::vector<std::string>& ScenarioNames() {
  // Plugin names, in Scenario order.
  static const auto* kNames = new std::vector<std::string>{
      "velocity",
      "large_amount",
      "duplicate_payout",
      "sudden_outflow",
      "auth_failures",
      "impossible_travel",
      "new_beneficiary",
      "fx_sanity",
      "cross_border",
      "unknown_counterparty",
      "balance_reconciliation",
  };
  return *kNames;
}

Generator::Generator(GeneratorOptions options)
    : sim_(std::make_unique<Sim>(std::move(options))) {}

Generator::~Generator() = default;

bool Generator::Next(riskflow::v1::Event* event) { return sim_->Next(event); }

const GeneratorStats& Generator::stats() const { return sim_->stats(); }

const GeneratorOptions& Generator::options() const { return sim_->options(); }

}  // namespace riskflow::datagen
