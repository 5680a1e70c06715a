#include "tests/daemon_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace riskflow::e2e {

std::string RiskflowdPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return absl::StrCat(srcdir == nullptr ? "." : srcdir,
                      "/riskflow/tools/riskflowd/riskflowd");
}

absl::StatusOr<std::unique_ptr<DaemonProcess>> DaemonProcess::Start(
    const std::string& binary, const std::string& data_dir,
    const std::vector<std::string>& extra_args, absl::Duration timeout) {
  absl::StatusOr<std::unique_ptr<DaemonProcess>> p =
      Spawn(binary, data_dir, extra_args, "");
  if (!p.ok()) return p.status();
  if (absl::Status s = (*p)->WaitServing(timeout); !s.ok()) return s;
  return p;
}

absl::StatusOr<std::unique_ptr<DaemonProcess>> DaemonProcess::Spawn(
    const std::string& binary, const std::string& data_dir,
    const std::vector<std::string>& extra_args,
    const std::string& stderr_path) {
  const std::string port_file = data_dir + ".port";
  unlink(port_file.c_str());
  std::vector<std::string> args = {binary, "--listen=127.0.0.1:0",
                                   absl::StrCat("--data_dir=", data_dir),
                                   absl::StrCat("--port_file=", port_file)};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::unique_ptr<DaemonProcess> p(new DaemonProcess());
  p->binary_ = binary;
  p->port_file_ = port_file;
  p->pid_ = fork();
  if (p->pid_ < 0) return absl::InternalError("fork failed");
  if (p->pid_ == 0) {
    if (!stderr_path.empty()) {
      int fd = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd >= 0) dup2(fd, 2);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  return p;
}

bool DaemonProcess::Serving() {
  if (port_ > 0) return true;
  std::ifstream in(port_file_);
  std::string line;
  return in && std::getline(in, line) && absl::SimpleAtoi(line, &port_) &&
         port_ > 0;
}

absl::Status DaemonProcess::WaitServing(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (Serving()) return absl::OkStatus();
    int wait_status = 0;
    if (pid_ > 0 && waitpid(pid_, &wait_status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(absl::StrCat(
          binary_, " exited before serving (wait status ", wait_status, ")"));
    }
    absl::SleepFor(absl::Milliseconds(10));  // poll interval
  }
  return absl::DeadlineExceededError(absl::StrCat(
      binary_, " wrote no port file in ", absl::FormatDuration(timeout)));
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) Kill().IgnoreError();
}

bool DaemonProcess::Reap(absl::Duration timeout, int* wait_status) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    pid_t r = waitpid(pid_, wait_status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return true;
    }
    if (r < 0 || absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));  // poll interval
  }
}

absl::Status DaemonProcess::Kill() {
  if (pid_ <= 0) return absl::FailedPreconditionError("not running");
  kill(pid_, SIGKILL);
  int wait_status = 0;
  if (waitpid(pid_, &wait_status, 0) != pid_) {
    return absl::InternalError("waitpid after SIGKILL failed");
  }
  pid_ = -1;
  return absl::OkStatus();
}

absl::StatusOr<int> DaemonProcess::Terminate(absl::Duration timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("not running");
  kill(pid_, SIGTERM);
  int wait_status = 0;
  if (!Reap(timeout, &wait_status)) {
    Kill().IgnoreError();
    return absl::DeadlineExceededError(
        absl::StrCat("riskflowd did not exit within ",
                     absl::FormatDuration(timeout), " of SIGTERM"));
  }
  if (WIFSIGNALED(wait_status)) {
    return absl::InternalError(
        absl::StrCat("riskflowd died of signal ", WTERMSIG(wait_status)));
  }
  return WEXITSTATUS(wait_status);
}

absl::StatusOr<int> DaemonProcess::WaitExit(absl::Duration timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("not running");
  int wait_status = 0;
  if (!Reap(timeout, &wait_status)) {
    return absl::DeadlineExceededError(absl::StrCat(
        "riskflowd still runs after ", absl::FormatDuration(timeout)));
  }
  return wait_status;
}

}  // namespace riskflow::e2e
