#include "ruleset/listing_parser.h"

#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "util/text.h"

namespace fwpath::ruleset {

namespace {

bool starts_with_word(std::string_view s, std::string_view word) {
  return s.substr(0, word.size()) == word && (s.size() == word.size() || s[word.size()] == ' ');
}

// '{' minus '}' outside double quotes. nft strings cannot contain a double quote, so a
// quote always opens or closes one.
int brace_balance(std::string_view s) {
  int balance = 0;
  bool quoted = false;
  for (char c : s) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '{') ++balance;
    if (c == '}') --balance;
  }
  return balance;
}

// Removes a trailing "# handle N" and returns N. Only a suffix made of nothing but the
// digits can match, so a "# handle" inside a quoted comment is never taken for it.
std::optional<uint64_t> take_handle(std::string_view& line) {
  constexpr std::string_view kMarker = "# handle ";
  const size_t at = line.rfind(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view digits = line.substr(at + kMarker.size());
  uint64_t handle = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), handle);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) return std::nullopt;
  line = trim_blanks(line.substr(0, at));
  return handle;
}

// Splits on spaces, keeping a double-quoted string as one word (quotes removed).
std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i >= s.size()) break;
    if (s[i] == '"') {
      const size_t close = s.find('"', i + 1);
      const size_t end = close == std::string_view::npos ? s.size() : close;
      out.emplace_back(s.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      const size_t end = std::min(s.find(' ', i), s.size());
      out.emplace_back(s.substr(i, end - i));
      i = end;
    }
  }
  return out;
}

// The text of a `comment "..."` line, without the quotes.
std::string comment_text(std::string_view line) {
  const size_t open = line.find('"');
  const size_t close = line.rfind('"');
  if (open == std::string_view::npos || close == open) return std::string(trim_blanks(line.substr(7)));
  return std::string(line.substr(open + 1, close - open - 1));
}

class Parser {
 public:
  Result<Ruleset> run(std::string_view text);

 private:
  enum class Level { Top, Table, Chain, Block };

  Error fail(const std::string& what) const {
    return input_error("nft listing line " + std::to_string(line_no_) + ": " + what);
  }
  Status top_line(std::string_view line);
  Status table_line(std::string_view line);
  Status chain_line(std::string_view line);
  Status base_chain_line(std::string_view line);
  Status rule_line(std::string_view line);
  void close_chain();

  Ruleset out_;
  Level level_ = Level::Top;
  size_t line_no_ = 0;
  std::string family_;
  std::string table_;
  ChainKey chain_key_;
  Chain chain_;
  std::vector<std::pair<uint64_t, std::string>> chain_rules_;
  int block_depth_ = 0;       // inside a set/map/object block: braces still open
  std::string pending_rule_;  // a rule whose braces span lines
};

// "table FAMILY NAME {" and "chain NAME {" lines: the words before the brace, and the
// handle from the note after it. The note can say more than the handle: an owned table
// shows "# handle 2 progname fwpath".
struct BlockHeader {
  std::vector<std::string> words;
  uint64_t handle = 0;
};
std::optional<BlockHeader> block_header(std::string_view line) {
  const size_t brace = line.find(" {");
  if (brace == std::string_view::npos) return std::nullopt;
  const std::string_view note = trim_blanks(line.substr(brace + 2));
  if (!note.empty() && note.front() != '#') return std::nullopt;
  BlockHeader h;
  h.words = words(line.substr(0, brace));
  constexpr std::string_view kHandle = "# handle ";
  if (note.substr(0, kHandle.size()) == kHandle) {
    const std::string_view digits = note.substr(kHandle.size());
    std::from_chars(digits.data(), digits.data() + digits.size(), h.handle);
  }
  return h;
}

Status Parser::top_line(std::string_view line) {
  if (line.empty() || line.front() == '#') return {};
  if (!starts_with_word(line, "table")) return fail("expected a table, got: " + std::string(line));
  const auto h = block_header(line);
  if (!h || h->words.size() != 3) return fail("malformed table line: " + std::string(line));
  family_ = h->words[1];
  table_ = h->words[2];
  level_ = Level::Table;
  return {};
}

Status Parser::table_line(std::string_view line) {
  if (line.empty() || line.front() == '#') return {};
  if (line == "}") {
    level_ = Level::Top;
    return {};
  }
  if (starts_with_word(line, "chain")) {
    const auto h = block_header(line);
    if (!h || h->words.size() != 2) return fail("malformed chain line: " + std::string(line));
    chain_key_ = ChainKey{family_, table_, h->words[1]};
    chain_ = Chain{};
    chain_.handle = h->handle;
    chain_rules_.clear();
    level_ = Level::Chain;
    return {};
  }
  // A set, map, flowtable or stateful object, or a table attribute (flags, comment).
  block_depth_ = brace_balance(line);
  if (block_depth_ < 0) return fail("unbalanced '}' in: " + std::string(line));
  if (block_depth_ > 0) level_ = Level::Block;
  return {};
}

Status Parser::base_chain_line(std::string_view line) {
  // type T hook H [device D | devices = { ... }] priority P; policy X;
  BaseChain base;
  size_t start = 0;
  while (start < line.size()) {
    size_t end = line.find(';', start);
    if (end == std::string_view::npos) end = line.size();
    const std::string_view part = trim_blanks(line.substr(start, end - start));
    start = end + 1;
    if (part.empty()) continue;
    if (starts_with_word(part, "policy")) {
      base.policy = std::string(trim_blanks(part.substr(6)));
      continue;
    }
    if (!starts_with_word(part, "type")) continue;  // e.g. "flags offload"
    const size_t prio = part.find(" priority ");
    if (prio == std::string_view::npos) return fail("base chain without a priority: " + std::string(line));
    base.priority_text = std::string(trim_blanks(part.substr(prio + 10)));
    const auto w = words(part.substr(0, prio));
    for (size_t i = 0; i + 1 < w.size(); ++i) {
      if (w[i] == "type") base.type = w[i + 1];
      if (w[i] == "hook") base.hook = w[i + 1];
      if (w[i] == "device") base.device = w[i + 1];
    }
    const size_t devices = part.find("devices = {");
    if (devices != std::string_view::npos && devices < prio) {
      const size_t close = part.find('}', devices);
      base.device = std::string(trim_blanks(part.substr(devices + 11, close - devices - 11)));
    }
  }
  if (base.type.empty() || base.hook.empty()) return fail("malformed base chain line: " + std::string(line));
  base.priority = priority_value(family_, base.priority_text);
  chain_.base = std::move(base);
  return {};
}

Status Parser::rule_line(std::string_view line) {
  std::string_view text = line;
  const auto handle = take_handle(text);
  if (!handle) {
    return fail("rule without a handle (the listing must come from `nft -a list ruleset`): " + std::string(line));
  }
  chain_rules_.emplace_back(*handle, std::string(text));
  return {};
}

void Parser::close_chain() {
  out_.add_chain(chain_key_, chain_);
  for (auto& [handle, text] : chain_rules_) out_.add_rule(chain_key_, handle, std::move(text));
  chain_rules_.clear();
  level_ = Level::Table;
}

Status Parser::chain_line(std::string_view line) {
  if (!pending_rule_.empty()) {
    pending_rule_ += "\n" + std::string(line);
    if (brace_balance(pending_rule_) > 0) return {};
    std::string rule = std::move(pending_rule_);
    pending_rule_.clear();
    return rule_line(rule);
  }
  if (line.empty() || line.front() == '#') return {};
  if (line == "}") {
    close_chain();
    return {};
  }
  if (starts_with_word(line, "type") && line.find(" hook ") != std::string_view::npos) return base_chain_line(line);
  if (starts_with_word(line, "comment")) {
    // The chain's own comment has no handle; a rule always has one.
    std::string_view probe = line;
    if (!take_handle(probe)) {
      chain_.comment = comment_text(line);
      return {};
    }
  }
  if (brace_balance(line) > 0) {
    // A rule whose anonymous set or map goes on over the next lines.
    pending_rule_ = std::string(line);
    return {};
  }
  return rule_line(line);
}

Result<Ruleset> Parser::run(std::string_view text) {
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = trim_blanks(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no_;
    Status st;
    switch (level_) {
      case Level::Top: st = top_line(line); break;
      case Level::Table: st = table_line(line); break;
      case Level::Chain: st = chain_line(line); break;
      case Level::Block:
        block_depth_ += brace_balance(line);
        if (block_depth_ <= 0) level_ = Level::Table;
        break;
    }
    if (!st) return st.take_error();
  }
  if (level_ != Level::Top)
    return fail("listing ends inside a " + std::string(level_ == Level::Chain ? "chain" : "table"));
  return std::move(out_);
}

}  // namespace

Result<Ruleset> parse_listing(std::string_view text) {
  Parser parser;
  return parser.run(text);
}

}  // namespace fwpath::ruleset
