#include "util/error.h"

#include <cstring>

namespace fwpath {

std::string Error::message() const {
  std::string out = what;
  if (!object.empty()) out += " " + object;
  if (err != 0) out += ": " + std::string(std::strerror(err));
  return out;
}

Error Error::context(const std::string& while_doing) const {
  Error e = *this;
  e.what = while_doing + ": " + what;
  return e;
}

Error sys_error(std::string what, std::string object, int err) {
  return Error{ErrorKind::Environment, std::move(what), std::move(object), err};
}

Error input_error(std::string what, std::string object) {
  return Error{ErrorKind::BadInput, std::move(what), std::move(object), 0};
}

Error env_error(std::string what, std::string object, int err) {
  return Error{ErrorKind::Environment, std::move(what), std::move(object), err};
}

}  // namespace fwpath
