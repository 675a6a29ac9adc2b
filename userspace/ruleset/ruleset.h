#pragma once
// A node's nf_tables ruleset as `nft -a list ruleset` shows it, indexed for the lookups
// that explain a trace: a rule's text by (family, table, chain, handle), and a chain's
// definition by (family, table, chain). Plain values, no kernel access.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace fwpath::ruleset {

struct ChainKey {
  std::string family;  // "ip", "ip6", "inet", "arp", "bridge", "netdev"
  std::string table;
  std::string chain;
  // Spelled out: clang-tidy 14 misreads a defaulted <=> used by std::map.
  friend bool operator==(const ChainKey&, const ChainKey&) = default;
  friend bool operator<(const ChainKey& a, const ChainKey& b) {
    return std::tie(a.family, a.table, a.chain) < std::tie(b.family, b.table, b.chain);
  }
  [[nodiscard]] std::string str() const { return family + " " + table + " " + chain; }
};

struct RuleKey {
  ChainKey chain;
  uint64_t handle = 0;
  friend bool operator==(const RuleKey&, const RuleKey&) = default;
  friend bool operator<(const RuleKey& a, const RuleKey& b) {
    return std::tie(a.chain, a.handle) < std::tie(b.chain, b.handle);
  }
};

// The hook a base chain is attached to, as its `type ... hook ... priority ...;
// policy ...;` line says.
struct BaseChain {
  std::string type;           // "filter", "nat", "route"
  std::string hook;           // "prerouting", "input", "ingress", ...
  std::string device;         // netdev chains: the device(s) as printed; empty otherwise
  std::string priority_text;  // as printed: "filter + 10", "-150", "dstnat"
  // The number nft means by priority_text for this family; nullopt for a name nft does
  // not define for it.
  std::optional<int32_t> priority;
  std::string policy;  // "accept" or "drop"
  friend bool operator==(const BaseChain&, const BaseChain&) = default;
};

struct Chain {
  uint64_t handle = 0;
  std::optional<BaseChain> base;  // nullopt: a regular chain, entered only by jump/goto
  std::string comment;            // the chain's comment, without quotes; may be empty
  std::vector<uint64_t> rules;    // rule handles in evaluation order
};

struct Rule {
  uint64_t handle = 0;
  // Exactly as nft prints it (statements, counters, `comment "..."`), without the
  // leading indentation and the trailing "# handle N".
  std::string text;
  size_t position = 0;  // 1-based place in its chain
};

class Ruleset {
 public:
  // Adds a chain; a chain that is already known is replaced.
  void add_chain(const ChainKey& key, Chain chain);
  // Appends a rule to a chain (made a regular chain if it was not added before).
  void add_rule(const ChainKey& chain, uint64_t handle, std::string text);

  [[nodiscard]] const Rule* find_rule(const std::string& family, const std::string& table, const std::string& chain,
                                      uint64_t handle) const;
  [[nodiscard]] const Chain* find_chain(const std::string& family, const std::string& table,
                                        const std::string& chain) const;

  // Moves in every chain of `other` with its rules, replacing what this held of those
  // chains (their old rules go). Moves nodes, copies no text.
  void absorb(Ruleset&& other);
  // Drops a chain and its rules (nothing if it is not there).
  void erase_chain(const ChainKey& key);
  // Drops every chain and rule of the tables `pred(family, table)` selects.
  void erase_tables_if(const std::function<bool(const std::string& family, const std::string& table)>& pred);

  [[nodiscard]] const std::map<ChainKey, Chain>& chains() const { return chains_; }
  [[nodiscard]] const std::map<RuleKey, Rule>& rules() const { return rules_; }
  [[nodiscard]] bool empty() const { return chains_.empty(); }

 private:
  std::map<ChainKey, Chain> chains_;
  std::map<RuleKey, Rule> rules_;
};

// The number nft gives a named priority (nftables' standard priorities), e.g.
// ("inet", "filter") -> 0, ("ip", "mangle") -> -150, ("bridge", "out") -> 100.
std::optional<int32_t> named_priority(const std::string& family, const std::string& name);

// "filter + 10" -> 10, "-150" -> -150, "dstnat" -> -100 for ip; nullopt if unknown.
std::optional<int32_t> priority_value(const std::string& family, const std::string& text);

}  // namespace fwpath::ruleset
