#include "ruleset/ruleset.h"

#include <array>
#include <charconv>
#include <limits>
#include <utility>

#include "util/text.h"

namespace fwpath::ruleset {

void Ruleset::add_chain(const ChainKey& key, Chain chain) {
  chains_.insert_or_assign(key, std::move(chain));
}

void Ruleset::add_rule(const ChainKey& chain, uint64_t handle, std::string text) {
  auto it = chains_.find(chain);
  if (it == chains_.end()) it = chains_.emplace(chain, Chain{}).first;
  it->second.rules.push_back(handle);
  rules_.insert_or_assign(RuleKey{chain, handle}, Rule{handle, std::move(text), it->second.rules.size()});
}

const Rule* Ruleset::find_rule(const std::string& family, const std::string& table, const std::string& chain,
                               uint64_t handle) const {
  const auto it = rules_.find(RuleKey{ChainKey{family, table, chain}, handle});
  return it == rules_.end() ? nullptr : &it->second;
}

const Chain* Ruleset::find_chain(const std::string& family, const std::string& table, const std::string& chain) const {
  const auto it = chains_.find(ChainKey{family, table, chain});
  return it == chains_.end() ? nullptr : &it->second;
}

void Ruleset::absorb(Ruleset&& other) {
  if (chains_.empty()) {
    // The first listing: nothing to replace.
    chains_ = std::move(other.chains_);
    rules_ = std::move(other.rules_);
    other.chains_.clear();
    other.rules_.clear();
    return;
  }
  for (const auto& [key, chain] : other.chains_) erase_chain(key);
  chains_.merge(other.chains_);
  rules_.merge(other.rules_);
}

void Ruleset::erase_chain(const ChainKey& key) {
  const auto it = chains_.find(key);
  if (it == chains_.end()) return;
  for (uint64_t handle : it->second.rules) rules_.erase(RuleKey{key, handle});
  chains_.erase(it);
}

void Ruleset::erase_tables_if(const std::function<bool(const std::string&, const std::string&)>& pred) {
  std::erase_if(chains_, [&](const auto& kv) { return pred(kv.first.family, kv.first.table); });
  std::erase_if(rules_, [&](const auto& kv) { return pred(kv.first.chain.family, kv.first.chain.table); });
}

namespace {
struct NamedPriority {
  const char* name;
  int32_t value;
};
// nftables' standard priority names (src/rule.c): the same for ip, ip6, inet, arp and
// netdev; bridge has its own scale.
constexpr std::array<NamedPriority, 6> kInetPriorities = {{
    {"raw", -300},
    {"mangle", -150},
    {"dstnat", -100},
    {"filter", 0},
    {"security", 50},
    {"srcnat", 100},
}};
constexpr std::array<NamedPriority, 4> kBridgePriorities = {{
    {"dstnat", -300},
    {"filter", -200},
    {"out", 100},
    {"srcnat", 300},
}};

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<int32_t> to_int32(int64_t v) {
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) return std::nullopt;
  return static_cast<int32_t>(v);
}
}  // namespace

std::optional<int32_t> named_priority(const std::string& family, const std::string& name) {
  if (family == "bridge") {
    for (const auto& p : kBridgePriorities) {
      if (name == p.name) return p.value;
    }
    return std::nullopt;
  }
  for (const auto& p : kInetPriorities) {
    if (name == p.name) return p.value;
  }
  return std::nullopt;
}

std::optional<int32_t> priority_value(const std::string& family, const std::string& text) {
  const std::string_view t = trim_blanks(text);
  if (t.empty()) return std::nullopt;
  if (auto n = parse_int(t)) return to_int32(*n);
  // NAME, or NAME + N, or NAME - N.
  const size_t op = t.find_first_of("+-");
  const std::string name(trim_blanks(t.substr(0, op)));
  const auto base = named_priority(family, name);
  if (!base) return std::nullopt;
  if (op == std::string_view::npos) return base;
  const auto offset = parse_int(trim_blanks(t.substr(op + 1)));
  if (!offset) return std::nullopt;
  return to_int32(t[op] == '+' ? *base + *offset : *base - *offset);
}

}  // namespace fwpath::ruleset
