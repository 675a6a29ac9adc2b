#include "support/listeners.h"

namespace fwpath::testlab {

Result<TcpListener> TcpListener::start(int netns_fd, const model::Endpoint& local) {
  auto l = lab::LabListener::start({netns_fd, "of the test listener"}, model::L4::Tcp, local);
  if (!l) return l.take_error();
  return TcpListener(std::move(l.value()));
}

Result<UdpEchoListener> UdpEchoListener::start(int netns_fd, const model::Endpoint& local) {
  auto l =
      lab::LabListener::start({netns_fd, "of the test listener"}, model::L4::Udp, local, lab::LabListener::Udp::Echo);
  if (!l) return l.take_error();
  return UdpEchoListener(std::move(l.value()));
}

}  // namespace fwpath::testlab
