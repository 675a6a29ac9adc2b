// The tracer table's life in a private namespace: what it contains, that it only sets
// nftrace, that it disappears when its owner dies (even by SIGKILL), and that stale
// tables of dead processes are swept while everything else is left alone.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <string>

#include "integration/nft_fixtures.h"
#include "lab/ruleset_load.h"
#include "nft/netlink_socket.h"
#include "nft/stale_tables.h"
#include "nft/table_list.h"
#include "nft/tracer_name.h"
#include "nft/tracer_table.h"
#include "ruleset/list_ruleset.h"
#include "ruleset/listing_parser.h"

namespace fwpath::nft {
namespace {

using namespace std::chrono_literals;

Result<std::vector<TableInfo>> tables_in(int nsfd) {
  auto sock = NetlinkSocket::open(nsfd, "test");
  if (!sock) return sock.take_error();
  return list_tables(*sock);
}

const TableInfo* find_table(const std::vector<TableInfo>& tables, const std::string& name) {
  const auto it = std::find_if(tables.begin(), tables.end(), [&](const TableInfo& t) { return t.name == name; });
  return it == tables.end() ? nullptr : &*it;
}

// A pid that certainly belonged to a process that has exited.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

TEST(NftTracerTable, HasEntryChainsAtTheFirstPriorityThatOnlySetNftrace) {
  FWPATH_REQUIRE_NET_ADMIN();
  auto ns = lab::lab_netns();
  ASSERT_TRUE(ns.ok()) << ns.error().message();
  auto tracer =
      TracerTable::install(ns->get(), "test", TracerConfig{{{model::L4::Udp, 40001}, {model::L4::Tcp, 6443}}});
  ASSERT_TRUE(tracer.ok()) << tracer.error().message();
  // Measured on 6.18: both the owner flag and INT32_MIN are accepted.
  EXPECT_TRUE(tracer->owner_flag());
  EXPECT_EQ(tracer->priority(), INT32_MIN);

  auto text = ruleset::list_ruleset_text(ns->get(), "test");
  ASSERT_TRUE(text.ok()) << text.error().message();
  auto rs = ruleset::parse_listing(*text);
  ASSERT_TRUE(rs.ok()) << rs.error().message();
  size_t rules = 0;
  for (const char* hook : TracerTable::chain_names()) {
    const ruleset::Chain* chain = rs->find_chain("inet", tracer->name(), hook);
    ASSERT_NE(chain, nullptr) << hook;
    ASSERT_TRUE(chain->base.has_value());
    EXPECT_EQ(chain->base->type, "filter");
    EXPECT_EQ(chain->base->hook, hook);
    EXPECT_EQ(chain->base->priority, INT32_MIN);
    EXPECT_EQ(chain->base->policy, "accept");
    EXPECT_EQ(chain->rules.size(), 2U) << hook;
    for (uint64_t handle : chain->rules) {
      const std::string& rule = rs->find_rule("inet", tracer->name(), hook, handle)->text;
      // Each rule ends with its only action, and nft shows nothing else after a match.
      EXPECT_TRUE(rule.ends_with(" meta nftrace set 1")) << rule;
      for (const char* verdict : {"accept", "drop", "reject", "queue", "jump", "goto", "return", "mark set"}) {
        EXPECT_EQ(rule.find(verdict), std::string::npos) << rule;
      }
      ++rules;
    }
  }
  EXPECT_EQ(rules, 2U * 2U);
  // Packets enter a namespace's netfilter path only there; the mark lasts through its
  // later hooks, so no chain on input, forward or postrouting.
  for (const char* hook : {"input", "forward", "postrouting"}) {
    EXPECT_EQ(rs->find_chain("inet", tracer->name(), hook), nullptr) << hook;
  }
  const auto& pre = rs->find_chain("inet", tracer->name(), "prerouting")->rules;
  EXPECT_EQ(rs->find_rule("inet", tracer->name(), "prerouting", pre[0])->text,
            "th sport @ports meta l4proto . th sport @watch meta nftrace set 1");
  EXPECT_EQ(rs->find_rule("inet", tracer->name(), "prerouting", pre[1])->text,
            "th dport @ports meta l4proto . th dport @watch meta nftrace set 1");
  // The set as nft shows it, with both watched ports and the ICMP errors as type . code.
  EXPECT_NE(text->find("type inet_proto . inet_service"), std::string::npos) << *text;
  EXPECT_NE(text->find("udp . 40001"), std::string::npos) << *text;
  EXPECT_NE(text->find("tcp . 6443"), std::string::npos) << *text;
  // The prefilter, a set of bare 16-bit values (a bitmap in the kernel).
  const auto ports = text->find("set ports {");
  ASSERT_NE(ports, std::string::npos) << *text;
  EXPECT_EQ(text->find("type inet_service\n", ports), text->find("type", ports)) << *text;
  EXPECT_NE(text->find("icmp . 781"), std::string::npos) << *text;  // admin-prohibited

  // What nft lists, nft loads again (someone saving the ruleset while fwpath runs): the
  // listing, renamed, goes into a fresh namespace.
  auto other = lab::lab_netns();
  ASSERT_TRUE(other.ok()) << other.error().message();
  std::string copy = *text;
  for (size_t at = copy.find(tracer->name()); at != std::string::npos; at = copy.find(tracer->name())) {
    copy.replace(at, tracer->name().size(), "fwpath_copy");
  }
  for (size_t at = copy.find("flags owner"); at != std::string::npos; at = copy.find("flags owner")) {
    copy.replace(at, std::string("flags owner").size(), "");
  }
  auto loaded =
      fwpath::lab::load_ruleset({other->get(), "copy"}, fwpath::lab::RulesetFormat::Nft, "fwpath table listing", copy);
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().message()) << "\n" << copy;

  auto tables = tables_in(ns->get());
  ASSERT_TRUE(tables.ok());
  const TableInfo* info = find_table(*tables, tracer->name());
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->family, "inet");
  EXPECT_TRUE(info->owned);

  ASSERT_TRUE(tracer->remove().ok());
  ASSERT_TRUE(tracer->remove().ok());  // idempotent
  tables = tables_in(ns->get());
  ASSERT_TRUE(tables.ok());
  EXPECT_EQ(find_table(*tables, tracer->name()), nullptr);
}

TEST(NftTracerTable, TwoTracersInOneNamespaceGetTwoTables) {
  FWPATH_REQUIRE_NET_ADMIN();
  auto ns = lab::lab_netns();
  ASSERT_TRUE(ns.ok()) << ns.error().message();
  auto a = TracerTable::install(ns->get(), "test", TracerConfig{{{model::L4::Udp, 40001}}});
  auto b = TracerTable::install(ns->get(), "test", TracerConfig{{{model::L4::Udp, 40002}}});
  ASSERT_TRUE(a.ok()) << a.error().message();
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_NE(a->name(), b->name());
  // Moving keeps exactly one owner of the table.
  TracerTable moved(std::move(a).value());
  auto tables = tables_in(ns->get());
  ASSERT_TRUE(tables.ok());
  EXPECT_NE(find_table(*tables, moved.name()), nullptr);
  EXPECT_NE(find_table(*tables, b->name()), nullptr);
}

TEST(NftTracerTable, BadWatchListIsRefusedBeforeTouchingTheKernel) {
  FWPATH_REQUIRE_NET_ADMIN();
  auto ns = lab::lab_netns();
  ASSERT_TRUE(ns.ok()) << ns.error().message();
  auto tracer = TracerTable::install(ns->get(), "test", TracerConfig{{{model::L4::Udp, 0}}});
  ASSERT_FALSE(tracer.ok());
  EXPECT_EQ(tracer.error().kind, ErrorKind::BadInput);
  auto tables = tables_in(ns->get());
  ASSERT_TRUE(tables.ok());
  EXPECT_TRUE(tables->empty());
}

TEST(NftTracerTable, KilledOwnerLeavesNothingBehind) {
  FWPATH_REQUIRE_NET_ADMIN();
  auto ns = lab::lab_netns();
  ASSERT_TRUE(ns.ok()) << ns.error().message();
  std::array<int, 2> pipe_fds{};
  ASSERT_EQ(::pipe2(pipe_fds.data(), O_CLOEXEC), 0);
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);

  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child installs a table, says its name and whether the owner flag held, then
    // waits to be killed: no destructor of it will ever run.
    read_end.reset();
    auto tracer = TracerTable::install(ns->get(), "child", TracerConfig{{{model::L4::Udp, 40001}}});
    std::string msg = tracer ? (tracer->owner_flag() ? "1" : "0") + tracer->name() : "!";
    if (::write(write_end.get(), msg.data(), msg.size()) < 0) ::_exit(2);
    write_end.reset();
    for (;;) ::pause();
  }
  write_end.reset();
  ASSERT_TRUE(lab::wait_readable(read_end.get(), 5000ms));
  std::array<char, 128> buf{};
  const ssize_t n = ::read(read_end.get(), buf.data(), buf.size());
  ASSERT_GT(n, 1);
  const std::string msg(buf.data(), static_cast<size_t>(n));
  const bool owner = msg[0] == '1';
  const std::string name = msg.substr(1);

  auto before = tables_in(ns->get());
  ASSERT_TRUE(before.ok());
  ASSERT_NE(find_table(*before, name), nullptr);
  // Alive: a sweep must not touch it.
  auto swept_alive = sweep_stale_tables(ns->get(), "test");
  ASSERT_TRUE(swept_alive.ok()) << swept_alive.error().message();
  EXPECT_TRUE(swept_alive->empty());

  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto after = tables_in(ns->get());
  ASSERT_TRUE(after.ok());
  if (owner) {
    // The kernel removed it when the dead process's socket was closed.
    EXPECT_EQ(find_table(*after, name), nullptr);
  } else {
    // Without the owner flag the table stays until a sweep sees that its pid is gone.
    ASSERT_NE(find_table(*after, name), nullptr);
    auto swept = sweep_stale_tables(ns->get(), "test");
    ASSERT_TRUE(swept.ok()) << swept.error().message();
    EXPECT_EQ(*swept, std::vector<std::string>{name});
  }
  EXPECT_TRUE(owner) << "this kernel ignored NFT_TABLE_F_OWNER";
}

TEST(NftTracerTable, SweepRemovesOnlyTablesOfDeadTracers) {
  FWPATH_REQUIRE_NET_ADMIN();
  auto ns = lab::lab_netns();
  ASSERT_TRUE(ns.ok()) << ns.error().message();
  const std::string stale = tracer_table_name(dead_pid(), 3);
  const std::string alive = tracer_table_name(::getpid(), 999);
  ASSERT_TRUE(lab::run_nft(ns->get(), "add table inet " + stale +
                                          "\n"
                                          "add chain inet " +
                                          stale +
                                          " c { type filter hook input priority 0; }\n"
                                          "add table ip " +
                                          tracer_table_name(dead_pid(), 4) +
                                          "\n"
                                          "add table inet " +
                                          alive +
                                          "\n"
                                          "add table inet fwpathology\n"
                                          "add table inet fwpath_12_x\n"
                                          "add table inet filter\n")
                  .ok());
  auto swept = sweep_stale_tables(ns->get(), "test");
  ASSERT_TRUE(swept.ok()) << swept.error().message();
  EXPECT_EQ(swept->size(), 2U);
  EXPECT_TRUE(std::find(swept->begin(), swept->end(), stale) != swept->end());

  auto tables = tables_in(ns->get());
  ASSERT_TRUE(tables.ok());
  std::vector<std::string> left;
  for (const auto& t : *tables) left.push_back(t.name);
  std::sort(left.begin(), left.end());
  std::vector<std::string> expected{"filter", alive, "fwpath_12_x", "fwpathology"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(left, expected);

  // Nothing left to do the second time.
  auto again = sweep_stale_tables(ns->get(), "test");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

}  // namespace
}  // namespace fwpath::nft
