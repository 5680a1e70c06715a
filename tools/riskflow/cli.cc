#include "tools/riskflow/cli.h"

#include "absl/strings/str_cat.h"
#include "tools/riskflow/audit.h"
#include "tools/riskflow/common.h"
#include "tools/riskflow/evaluate.h"
#include "tools/riskflow/health.h"
#include "tools/riskflow/lists.h"
#include "tools/riskflow/pipeline.h"
#include "tools/riskflow/plugin_dev.h"
#include "tools/riskflow/plugins.h"
#include "tools/riskflow/publish.h"
#include "tools/riskflow/quarantine.h"
#include "tools/riskflow/reload.h"
#include "tools/riskflow/rules_command.h"
#include "tools/riskflow/replay_command.h"
#include "tools/riskflow/train_command.h"
#include "tools/riskflow/report_command.h"
#include "tools/riskflow/shadow.h"
#include "tools/riskflow/tail.h"

namespace riskflow::cli {
namespace {

using CommandMain = int (*)(const std::vector<std::string>&, std::ostream&,
                            std::ostream&);

struct Command {
  const char* name;
  const char* usage;
  CommandMain main;
};

constexpr Command kCommands[] = {
    {"publish", kPublishUsage, &PublishMain},
    {"evaluate", kEvaluateUsage, &EvaluateMain},
    {"tail", kTailUsage, &TailMain},
    {"plugins", kPluginsUsage, &PluginsMain},
    {"plugin", kPluginUsage, &PluginMain},
    {"pipeline", kPipelineUsage, &PipelineMain},
    {"health", kHealthUsage, &HealthMain},
    {"reload", kReloadUsage, &ReloadMain},
    {"lists", kListsUsage, &ListsMain},
    {"shadow", kShadowUsage, &ShadowMain},
    {"replay", kReplayUsage, &ReplayMain},
    {"report", kReportUsage, &ReportMain},
    {"train", kTrainUsage, &TrainMain},
    {"diff", kDiffUsage, &DiffMain},
    {"quarantine", kQuarantineUsage, &QuarantineMain},
    {"audit", kAuditUsage, &AuditMain},
    {"rules", kRulesUsage, &RulesMain},
};

const Command* FindCommand(const std::string& name) {
  for (const Command& command : kCommands) {
    if (name == command.name) return &command;
  }
  return nullptr;
}

bool IsHelpFlag(const std::string& arg) {
  return arg == "--help" || arg == "-help" || arg == "-h";
}

// Global flags that take a value as the next argument when written without
// "=", so the command word is not mistaken for one of their values.
bool TakesSeparateValue(const std::string& arg) {
  for (const char* flag : {"target", "connect_timeout_ms", "tls_ca",
                           "tls_cert", "tls_key", "tls_server_name"}) {
    if (arg == std::string("--") + flag || arg == std::string("-") + flag) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string UsageText() {
  std::string out =
      "usage: riskflow [--target HOST:PORT] COMMAND [ARGS...]\n"
      "\n"
      "riskflow talks to riskflowd, the real-time payment-risk engine, and\n"
      "helps write its detector plugins (riskflow plugin new|test).\n"
      "\n"
      "commands:\n";
  for (const Command& command : kCommands) absl::StrAppend(&out, command.usage);
  absl::StrAppend(
      &out,
      "riskflow help [COMMAND]\n"
      "  Shows this text, or one command's flags.\n"
      "\n"
      "global flags (any command):\n"
      "  --target=HOST:PORT        riskflowd address (default ",
      kDefaultTarget,
      ")\n"
      "  --connect_timeout_ms=<n>  how long to wait for a connection "
      "(default 5000)\n"
      "  --tls_ca=FILE             CA of riskflowd's certificate: connect "
      "over TLS\n"
      "  --tls_cert=FILE           client certificate (mTLS; its CN is your "
      "identity)\n"
      "  --tls_key=FILE            private key of --tls_cert\n"
      "  --tls_server_name=NAME    name to check the server certificate "
      "against\n");
  return out;
}

int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  size_t command_index = args.size();
  for (size_t i = 0; i < args.size(); ++i) {
    if (TakesSeparateValue(args[i])) {
      ++i;
      continue;
    }
    if (args[i].empty() || args[i][0] != '-' || IsHelpFlag(args[i])) {
      command_index = i;
      break;
    }
  }
  if (command_index == args.size()) {
    err << UsageText();
    if (!args.empty()) {
      err << "\nriskflow: no command given (flags alone do nothing)\n";
    }
    return kExitError;
  }
  const std::string& name = args[command_index];
  if (name == "help" || IsHelpFlag(name)) {
    const Command* topic = command_index + 1 < args.size()
                               ? FindCommand(args[command_index + 1])
                               : nullptr;
    out << (topic != nullptr ? topic->usage : UsageText());
    return kExitOk;
  }
  const Command* command = FindCommand(name);
  if (command == nullptr) {
    err << "riskflow: unknown command \"" << name << "\"\n\n" << UsageText();
    return kExitError;
  }
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i == command_index) continue;
    if (IsHelpFlag(args[i])) {
      out << command->usage;
      return kExitOk;
    }
    rest.push_back(args[i]);
  }
  return command->main(rest, out, err);
}

}  // namespace riskflow::cli
