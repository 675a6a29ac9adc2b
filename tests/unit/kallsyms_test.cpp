#include "sources/kallsyms.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace fwpath::sources {
namespace {

// Shaped like /proc/kallsyms: unsorted, aliases at one address, data symbols between
// functions, a module symbol with its [module] suffix, and a malformed line.
constexpr const char* kSample =
    "ffffffff81f2b060 T nf_hook_slow_list\n"
    "ffffffff81000000 T _stext\n"
    "ffffffff81000000 t srso_alias_untrain_ret\n"
    "ffffffff81000000 T _text\n"
    "ffffffff81f2af50 T nf_hook_slow\n"
    "ffffffff81f2b000 D some_data_between\n"
    "not-hex T broken\n"
    "ffffffff81f2b100\n"
    "ffffffffc0201000 t nft_do_chain_module\t[nf_tables]\n"
    "ffffffff81f2a000 W weak_function\n";

TEST(Kallsyms, ParsesTextSymbolsOnly) {
  const Kallsyms k = Kallsyms::parse(kSample);
  // _stext/_text/srso_alias share one address: one entry. Data and malformed lines dropped.
  EXPECT_EQ(k.size(), 5U);
}

TEST(Kallsyms, SymbolizesToFunctionPlusOffset) {
  const Kallsyms k = Kallsyms::parse(kSample);
  EXPECT_EQ(k.symbolize(0xffffffff81f2af50), "nf_hook_slow+0x0");
  EXPECT_EQ(k.symbolize(0xffffffff81f2afde), "nf_hook_slow+0x8e");
  // The data symbol at ...b000 does not take over the end of nf_hook_slow.
  EXPECT_EQ(k.symbolize(0xffffffff81f2b010), "nf_hook_slow+0xc0");
  EXPECT_EQ(k.symbolize(0xffffffff81f2b070), "nf_hook_slow_list+0x10");
  EXPECT_EQ(k.symbolize(0xffffffff81f2a004), "weak_function+0x4");
  EXPECT_EQ(k.symbolize(0xffffffffc0201234), "nft_do_chain_module+0x234");
}

TEST(Kallsyms, AliasesPreferTheFirstGlobalName) {
  const Kallsyms k = Kallsyms::parse(kSample);
  EXPECT_EQ(k.symbolize(0xffffffff81000010), "_stext+0x10");
}

TEST(Kallsyms, AddressesOutsideKnownCodeAreUnknown) {
  const Kallsyms k = Kallsyms::parse(kSample);
  EXPECT_FALSE(k.symbolize(0x1000));
  EXPECT_FALSE(k.symbolize(0xffffffff81f2b060 + Kallsyms::kMaxOffset + 1));
  EXPECT_FALSE(Kallsyms::parse("").symbolize(0xffffffff81000000));
}

std::string write_temp(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TEST(Kallsyms, LoadReadsAFile) {
  const std::string path = write_temp("kallsyms_ok", kSample);
  auto k = Kallsyms::load(path);
  ASSERT_TRUE(k) << k.error().message();
  EXPECT_EQ(k->symbolize(0xffffffff81f2afde), "nf_hook_slow+0x8e");
  (void)std::remove(path.c_str());
}

TEST(Kallsyms, LoadReadsTheFileItCheckedOnceForAllCopies) {
  // load() opens the file and reads it in the background: the file it checked is the one
  // read, even if the path is gone by the time a location is first symbolized, and copies
  // share that one read.
  const std::string path = write_temp("kallsyms_once", kSample);
  auto k = Kallsyms::load(path);
  ASSERT_TRUE(k) << k.error().message();
  ASSERT_EQ(std::remove(path.c_str()), 0);
  const Kallsyms copy = k.value();
  EXPECT_EQ(copy.symbolize(0xffffffff81f2afde), "nf_hook_slow+0x8e");
  EXPECT_EQ(k->size(), copy.size());
  EXPECT_EQ(k->symbolize(0xffffffff81f2afde), "nf_hook_slow+0x8e");
}

TEST(Kallsyms, LoadRejectsHiddenAddresses) {
  // What an unprivileged reader sees with kernel.kptr_restrict set.
  const std::string path = write_temp("kallsyms_hidden",
                                      "0000000000000000 T _stext\n"
                                      "0000000000000000 T nf_hook_slow\n");
  auto k = Kallsyms::load(path);
  ASSERT_FALSE(k);
  EXPECT_NE(k.error().message().find("hidden"), std::string::npos) << k.error().message();
  (void)std::remove(path.c_str());
}

TEST(Kallsyms, LoadReportsAMissingFile) {
  auto k = Kallsyms::load(::testing::TempDir() + "no-such-kallsyms");
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().err, ENOENT);
}

}  // namespace
}  // namespace fwpath::sources
