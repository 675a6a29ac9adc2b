#pragma once
// Errors as values. Every failure carries what was attempted, on which object, and the
// errno the kernel or library gave, so that the one line a user sees names the problem.
// Exceptions are not used for recoverable errors; main() turns an Error into an exit code.

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace fwpath {

// What kind of failure, which decides the exit code (see exit_code.h).
enum class ErrorKind {
  BadInput,     // the user's arguments, files or rulesets are wrong: exit 2
  Environment,  // missing privilege, kernel feature, or a kernel/library call failed: exit 3
  Interrupted,  // a signal asked us to stop: exit 4
};

struct Error {
  ErrorKind kind = ErrorKind::Environment;
  std::string what;    // the action that failed, e.g. "open netlink socket"
  std::string object;  // the thing it was done to, e.g. "netns consumer"; may be empty
  int err = 0;         // errno, or 0 when not a system error

  // "WHAT OBJECT: strerror(err)" in one line.
  [[nodiscard]] std::string message() const;

  // Prefixes context: "while X: <message>".
  [[nodiscard]] Error context(const std::string& while_doing) const;
};

[[nodiscard]] Error sys_error(std::string what, std::string object, int err = errno);
[[nodiscard]] Error input_error(std::string what, std::string object = {});
[[nodiscard]] Error env_error(std::string what, std::string object = {}, int err = 0);

// A value or an Error. Small on purpose: the project needs neither monadic chains nor
// implicit conversions beyond "return value;" and "return error;".
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &std::get<T>(v_); }
  const T* operator->() const { return &std::get<T>(v_); }
  T& operator*() & { return std::get<T>(v_); }

  [[nodiscard]] const Error& error() const { return std::get<Error>(v_); }
  Error&& take_error() { return std::get<Error>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), failed_(true) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] const Error& error() const { return err_; }
  Error&& take_error() { return std::move(err_); }

 private:
  Error err_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace fwpath

// Returns the error of a failed Result from the enclosing function.
#define FWPATH_TRY(expr)                                   \
  do {                                                     \
    auto fwpath_try_r_ = (expr);                           \
    if (!fwpath_try_r_) return fwpath_try_r_.take_error(); \
  } while (0)
