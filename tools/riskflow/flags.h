// A small command-line flag parser for the riskflow CLI.
//
// absl::ParseCommandLine keeps one process-wide flag registry, so every
// command would accept every other command's flags and a typo'd flag of one
// command could silently be "valid"; it also prints and exit()s on errors.
// Each command here builds its own FlagSet instead, so unknown flags are
// errors per command and parsing returns a Status the caller words.
#ifndef RISKFLOW_TOOLS_RISKFLOW_FLAGS_H_
#define RISKFLOW_TOOLS_RISKFLOW_FLAGS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace riskflow::cli {

class FlagSet {
 public:
  // `command` names the command in error messages ("riskflow tail").
  explicit FlagSet(std::string command) : command_(std::move(command)) {}

  // Registers a flag bound to `*value`; its current value is the default.
  void AddString(const std::string& name, std::string* value, std::string help);
  void AddInt(const std::string& name, int64_t* value, std::string help,
              int64_t min = INT64_MIN);
  void AddBool(const std::string& name, bool* value, std::string help);
  // A repeatable flag: every occurrence appends its value to *values.
  void AddStringList(const std::string& name, std::vector<std::string>* values,
                     std::string help);

  // Accepts --name=value, --name value, and for booleans --name,
  // --name=true|false and --noname; flags may come before or after
  // positional arguments, and "--" ends flag parsing. "-" alone is a
  // positional (stdin). Returns the positional arguments.
  absl::StatusOr<std::vector<std::string>> Parse(
      const std::vector<std::string>& args);

  // True when the flag appeared on the command line.
  bool WasSet(const std::string& name) const;

  // One line per flag: "  --name=<int>  help (default 8)".
  std::string Help() const;

 private:
  enum class Kind { kString, kInt, kBool, kStringList };
  struct Flag {
    Kind kind;
    void* value;
    std::string help;
    std::string default_text;
    int64_t min = INT64_MIN;
    bool set = false;
  };

  absl::Status Assign(const std::string& name, Flag& flag,
                      const std::string& text);

  std::string command_;
  std::map<std::string, Flag> flags_;
};

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_FLAGS_H_
