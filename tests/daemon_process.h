// riskflowd as a child process, for tests that kill it.
#ifndef RISKFLOW_TESTS_DAEMON_PROCESS_H_
#define RISKFLOW_TESTS_DAEMON_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace riskflow::e2e {

// The riskflowd binary in the test's runfiles.
std::string RiskflowdPath();

class DaemonProcess {
 public:
  // Runs `binary --listen=127.0.0.1:0 --data_dir=DIR --port_file=...` and
  // waits until it has written its port (it serves from then on).
  static absl::StatusOr<std::unique_ptr<DaemonProcess>> Start(
      const std::string& binary, const std::string& data_dir,
      const std::vector<std::string>& extra_args = {},
      absl::Duration timeout = absl::Seconds(120));
  // Like Start, without waiting for it to serve (to kill it while it
  // recovers). Its stderr is appended to stderr_path unless that is empty.
  static absl::StatusOr<std::unique_ptr<DaemonProcess>> Spawn(
      const std::string& binary, const std::string& data_dir,
      const std::vector<std::string>& extra_args,
      const std::string& stderr_path);
  // Waits until the child wrote its port file (it serves from then on).
  absl::Status WaitServing(absl::Duration timeout);
  // Whether the child has written its port file, without waiting.
  bool Serving();
  // SIGKILLs the child if it still runs.
  ~DaemonProcess();

  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // SIGKILL, then reaps the child.
  absl::Status Kill();
  // SIGTERM, then waits for the exit; its exit code, or an error if it was
  // killed by a signal or did not exit in time (it is SIGKILLed then).
  absl::StatusOr<int> Terminate(absl::Duration timeout = absl::Seconds(60));
  // Waits for the child to exit by itself (a crash); its raw wait status,
  // or DEADLINE_EXCEEDED while it still runs.
  absl::StatusOr<int> WaitExit(absl::Duration timeout);

 private:
  DaemonProcess() = default;
  // Reaps the child within timeout; false if it is still running.
  bool Reap(absl::Duration timeout, int* wait_status);

  pid_t pid_ = -1;
  int port_ = 0;
  std::string binary_;
  std::string port_file_;
};

}  // namespace riskflow::e2e

#endif  // RISKFLOW_TESTS_DAEMON_PROCESS_H_
