#include "model/iptables_save.h"

#include <charconv>
#include <map>
#include <optional>
#include <tuple>

#include "util/text.h"

namespace fwpath::model {

namespace {

// "[12:3456]" at the start of `s`: the counter, and `s` moved past it.
std::optional<XtCounter> take_counter(std::string_view& s) {
  if (s.empty() || s.front() != '[') return std::nullopt;
  const auto colon = s.find(':');
  const auto close = s.find(']');
  if (colon == std::string_view::npos || close == std::string_view::npos || colon > close) return std::nullopt;
  XtCounter c;
  const char* p_begin = s.data() + 1;
  const char* p_end = s.data() + colon;
  const char* b_begin = s.data() + colon + 1;
  const char* b_end = s.data() + close;
  const auto p = std::from_chars(p_begin, p_end, c.packets);
  const auto b = std::from_chars(b_begin, b_end, c.bytes);
  if (p.ec != std::errc() || p.ptr != p_end || b.ec != std::errc() || b.ptr != b_end) return std::nullopt;
  if (p_begin == p_end || b_begin == b_end) return std::nullopt;
  s.remove_prefix(close + 1);
  return c;
}

// The rule's words as iptables-save prints them: double quotes group a word
// (`--comment "a -j DROP b"`), a backslash escapes the next character.
std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      cur += s[++i];
      in_word = true;
    } else if (c == '"') {
      quoted = !quoted;
      in_word = true;
    } else if ((c == ' ' || c == '\t') && !quoted) {
      if (in_word) out.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(std::move(cur));
  return out;
}

Error line_error(size_t line, const std::string& what) {
  return input_error("iptables-save output, line " + std::to_string(line) + ": " + what);
}

XtChain* find_chain(XtTable& t, const std::string& name) {
  for (auto& c : t.chains) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// One rule line (counter already taken): "-A CHAIN words...".
Status add_rule(XtTable& table, std::string_view rest, XtCounter counter, size_t line) {
  const auto w = words(rest);
  if (w.size() < 2 || (w[0] != "-A" && w[0] != "--append")) return line_error(line, "expected -A CHAIN");
  XtChain* chain = find_chain(table, w[1]);
  if (chain == nullptr) return line_error(line, "rule for undeclared chain '" + w[1] + "'");
  XtRule r;
  r.position = static_cast<unsigned>(chain->rules.size() + 1);
  r.text = std::string(rest);
  r.counter = counter;
  for (size_t i = 2; i + 1 < w.size(); ++i) {
    if (w[i] == "-j" || w[i] == "--jump" || w[i] == "-g" || w[i] == "--goto") {
      r.target = w[i + 1];
      r.is_goto = w[i] == "-g" || w[i] == "--goto";
    }
  }
  chain->rules.push_back(std::move(r));
  return {};
}

}  // namespace

Result<XtTables> parse_iptables_save(std::string_view text) {
  XtTables tables;
  bool open = false;  // a table begun and not committed yet
  size_t line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = trim_blanks(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '*') {
      if (open) return line_error(line_no, "table '" + tables.back().name + "' not committed before the next");
      if (line.size() < 2) return line_error(line_no, "table without a name");
      tables.push_back(XtTable{std::string(line.substr(1)), {}});
      open = true;
      continue;
    }
    if (!open) return line_error(line_no, "outside a table");
    if (line == "COMMIT") {
      open = false;
      continue;
    }
    if (line.front() == ':') {
      const auto w = words(line.substr(1));
      if (w.size() != 3) return line_error(line_no, "expected :CHAIN POLICY [PACKETS:BYTES]");
      std::string_view counter_text = w[2];
      auto counter = take_counter(counter_text);
      if (!counter || !counter_text.empty()) return line_error(line_no, "bad counter '" + w[2] + "'");
      if (find_chain(tables.back(), w[0]) != nullptr) return line_error(line_no, "chain '" + w[0] + "' twice");
      tables.back().chains.push_back(XtChain{w[0], w[1], *counter, {}});
      continue;
    }
    XtCounter counter;
    if (line.front() == '[') {
      auto c = take_counter(line);
      if (!c) return line_error(line_no, "bad counter");
      counter = *c;
      line = trim_blanks(line);
    }
    FWPATH_TRY(add_rule(tables.back(), line, counter, line_no));
  }
  if (open) return input_error("iptables-save output: table '" + tables.back().name + "' not committed");
  return tables;
}

std::vector<XtMove> counters_moved(const XtTables& before, const XtTables& after) {
  // table, chain, rule text, occurrence of that text in the chain (0 for the policy's
  // key, with an empty text: no rule text is empty).
  using Key = std::tuple<std::string, std::string, std::string, unsigned>;
  std::map<Key, uint64_t> was;
  const auto each = [](const XtTables& tables, auto&& fn) {
    for (const auto& t : tables) {
      for (const auto& c : t.chains) {
        fn(t, c, nullptr, 0U);
        std::map<std::string, unsigned> seen;
        for (const auto& r : c.rules) fn(t, c, &r, seen[r.text]++);
      }
    }
  };
  each(before, [&](const XtTable& t, const XtChain& c, const XtRule* r, unsigned nth) {
    was[Key{t.name, c.name, r != nullptr ? r->text : "", nth}] = r != nullptr ? r->counter.packets : c.counter.packets;
  });
  std::vector<XtMove> out;
  each(after, [&](const XtTable& t, const XtChain& c, const XtRule* r, unsigned nth) {
    if (r == nullptr && !c.builtin()) return;  // a user chain's counter is always 0
    const auto it = was.find(Key{t.name, c.name, r != nullptr ? r->text : "", nth});
    const uint64_t now = r != nullptr ? r->counter.packets : c.counter.packets;
    if (it == was.end() || now <= it->second) return;
    XtMove m;
    m.table = t.name;
    m.chain = c.name;
    m.chain_builtin = c.builtin();
    m.position = r != nullptr ? r->position : 0;
    m.text = r != nullptr ? r->text : "policy " + c.policy;
    m.target = r != nullptr ? r->target : c.policy;
    m.packets = now - it->second;
    out.push_back(std::move(m));
  });
  return out;
}

}  // namespace fwpath::model
