// riskflow-cases: the case service (serve) and the operators' commands on
// its database (list, show, transition, note, request-release,
// approve-release, export, notifications, labels, audit-verify).
#ifndef RISKFLOW_TOOLS_RISKFLOW_CASES_CASES_CLI_H_
#define RISKFLOW_TOOLS_RISKFLOW_CASES_CASES_CLI_H_

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

namespace riskflow::cases {

inline constexpr char kCasesUsage[] =
    "usage: riskflow-cases COMMAND --db=FILE [FLAGS...]\n"
    "\n"
    "riskflow-cases serve [--target HOST:PORT] [--consumer NAME] [--batch N]\n"
    "    [--poll_ms N] [--batch_delay_ms N] [--once]\n"
    "  Consumes riskflowd's FREEZE and MANUAL_REVIEW sinks (Sinks API) and\n"
    "  opens or joins one case per account. --once drains and exits.\n"
    "  --console_listen HOST:PORT --users FILE serves the review console;\n"
    "  released cases lift riskflowd's account hold (--release_holds).\n"
    "riskflow-cases list [--state S] [--account A] [--open] [--overdue]\n"
    "    [--limit N]\n"
    "riskflow-cases show CASE_ID\n"
    "  The case, its SLA, evidence SHA-256, timeline and decisions.\n"
    "riskflow-cases find EVENT_ID\n"
    "  The case holding an event's decision (\"channel/event\" or event id).\n"
    "riskflow-cases transition CASE_ID STATE --version N --actor A --role R\n"
    "    [--note TEXT] [--attach REF]...\n"
    "riskflow-cases note CASE_ID --version N --actor A --role R --note TEXT\n"
    "riskflow-cases request-release CASE_ID --version N --actor A --role R\n"
    "riskflow-cases approve-release CASE_ID --version N --actor B --role R\n"
    "  Maker-checker: B must differ from A and be senior_reviewer or admin.\n"
    "riskflow-cases export CASE_ID --actor A [--out FILE] [--html FILE]\n"
    "  The evidence bundle as one JSON document; prints its SHA-256.\n"
    "  --html also writes a printable page showing the same hash.\n"
    "riskflow-cases notifications [--after N | --consumer C [--commit]]\n"
    "    [--limit N]\n"
    "riskflow-cases labels --out FILE\n"
    "  Decided cases as a labels file for `riskflow report --labels`.\n"
    "riskflow-cases users add NAME --role R --users FILE   (password on stdin)\n"
    "riskflow-cases users remove NAME --users FILE | users list --users FILE\n"
    "  The review console's reviewers (docs/console.md).\n"
    "riskflow-cases audit-verify\n"
    "  Checks the audit chain; exit 1 naming the first bad entry.\n"
    "\n"
    "policy flags (every command): --two_person_amount_minor N (1000000)\n"
    "  --two_person_when_amount_unknown (true) --max_note_bytes N (4096)\n"
    "  --sla STATE=DURATION (repeatable, e.g. OPEN=30m)\n";

// Runs one command; `stop` ends `serve` (the binary sets it on SIGTERM).
int RunCasesCli(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err, const std::atomic<bool>* stop);

}  // namespace riskflow::cases

#endif  // RISKFLOW_TOOLS_RISKFLOW_CASES_CASES_CLI_H_
