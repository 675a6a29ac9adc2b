#include "config/yaml_subset.h"

#include <sstream>

namespace fwpath::config {

namespace {

struct Line {
  int number = 0;  // 1-based, for error messages
  int indent = 0;
  std::string text;  // without indentation and comment
};

// Strips a trailing comment that is outside quotes.
std::string strip_comment(const std::string& s) {
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
      return s.substr(0, i);
    }
  }
  return s;
}

std::string rtrim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  return s;
}

class Parser {
 public:
  Parser(std::vector<Line> lines, std::string source) : lines_(std::move(lines)), source_(std::move(source)) {}

  Result<YamlNode> document() {
    if (lines_.empty()) return YamlNode{};
    auto node = block(lines_[0].indent);
    if (!node) return node;
    if (pos_ < lines_.size()) return fail(lines_[pos_], "unexpected indentation");
    return node;
  }

 private:
  Error fail(const Line& l, const std::string& why) const {
    return input_error("cannot read " + source_ + " line " + std::to_string(l.number) + ": " + why, "");
  }

  Result<YamlNode> block(int indent) {
    // Each level costs a few stack frames; a hostile file of ever deeper indentation
    // (about 5,800 levels fit in 16 MiB) would otherwise overflow the stack. Kubeconfig
    // files nest five levels deep.
    if (depth_ >= kMaxDepth) {
      return fail(lines_[pos_], "nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    ++depth_;
    auto node = lines_[pos_].text.rfind("- ", 0) == 0 || lines_[pos_].text == "-" ? sequence(indent) : mapping(indent);
    --depth_;
    return node;
  }

  Result<YamlNode> scalar(const std::string& raw, const Line& l) {
    YamlNode n;
    n.line = l.number;
    std::string v = raw;
    if (v.empty() || v == "~" || v == "null") return n;
    if (v.front() == '{' || v.front() == '[') return flow(v, l);
    n.kind = YamlNode::Kind::Scalar;
    if (v.front() == '"' || v.front() == '\'') {
      const char q = v.front();
      if (v.size() < 2 || v.back() != q) return fail(l, "unterminated quoted string");
      std::string out;
      for (size_t i = 1; i + 1 < v.size(); ++i) {
        if (q == '"' && v[i] == '\\' && i + 2 < v.size()) {
          const char e = v[++i];
          out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else if (q == '\'' && v[i] == '\'' && i + 2 < v.size() && v[i + 1] == '\'') {
          out += '\'';
          ++i;
        } else {
          out += v[i];
        }
      }
      n.scalar = out;
      return n;
    }
    n.scalar = v;
    return n;
  }

  // A one-line flow collection, "[a, b]" or "{k: v, k2: [x]}", nested to any depth.
  Result<YamlNode> flow(const std::string& v, const Line& l) {
    const char open = v.front();
    const char close = open == '{' ? '}' : ']';
    if (v.back() != close) return fail(l, std::string("flow collection not closed with '") + close + "' on its line");
    YamlNode n;
    n.line = l.number;
    n.kind = open == '{' ? YamlNode::Kind::Map : YamlNode::Kind::Seq;
    auto items = split_flow_items(v.substr(1, v.size() - 2), l);
    if (!items) return items.take_error();
    for (const auto& item : items.value()) {
      if (open == '[') {
        auto e = scalar(item, l);
        if (!e) return e;
        n.seq.push_back(std::move(e.value()));
        continue;
      }
      auto kv = split_key(Line{l.number, l.indent, item});
      if (!kv) return kv.take_error();
      auto e = scalar(kv->second, l);
      if (!e) return e;
      n.keys.push_back(kv->first);
      n.values.push_back(std::move(e.value()));
    }
    return n;
  }

  // The comma-separated items of a flow collection's inside, trimmed; commas inside
  // quotes or nested brackets do not split.
  Result<std::vector<std::string>> split_flow_items(const std::string& inner, const Line& l) {
    std::vector<std::string> items;
    std::string cur;
    int depth = 0;
    char quote = 0;
    auto flush = [&]() -> Status {
      const size_t a = cur.find_first_not_of(' ');
      const std::string t = a == std::string::npos ? "" : rtrim(cur.substr(a));
      cur.clear();
      if (t.empty()) return fail(l, "empty item in a flow collection");
      items.push_back(t);
      return {};
    };
    for (const char c : inner) {
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if (c == ']' || c == '}') {
        if (--depth < 0) return fail(l, "unbalanced brackets in a flow collection");
      } else if (c == ',' && depth == 0) {
        FWPATH_TRY(flush());
        continue;
      }
      cur += c;
    }
    if (quote != 0 || depth != 0) return fail(l, "unbalanced brackets or quotes in a flow collection");
    if (cur.find_first_not_of(' ') != std::string::npos) FWPATH_TRY(flush());
    return items;
  }

  // The lines of a block scalar (| or >, with - or + chomping): '|' keeps line breaks,
  // '>' folds the lines into one with spaces. Comments inside are stripped like anywhere.
  YamlNode block_scalar(const std::string& style, const Line& l, int parent_indent) {
    YamlNode n;
    n.kind = YamlNode::Kind::Scalar;
    n.line = l.number;
    const char sep = style.front() == '|' ? '\n' : ' ';
    while (pos_ < lines_.size() && lines_[pos_].indent > parent_indent) {
      if (!n.scalar.empty()) n.scalar += sep;
      n.scalar += lines_[pos_].text;
      ++pos_;
    }
    return n;
  }

  // The value after "key:" on line l: inline scalar, nested block, or nothing.
  Result<YamlNode> value_after(const std::string& rest, const Line& l, int indent) {
    if (rest == "|" || rest == ">" || rest == "|-" || rest == ">-" || rest == "|+" || rest == ">+") {
      return block_scalar(rest, l, indent);
    }
    if (!rest.empty()) return scalar(rest, l);
    if (pos_ < lines_.size() && lines_[pos_].indent > indent) return block(lines_[pos_].indent);
    // A sequence may sit at the same indentation as its key.
    if (pos_ < lines_.size() && lines_[pos_].indent == indent && lines_[pos_].text.rfind("- ", 0) == 0) {
      return sequence(indent);
    }
    return YamlNode{};
  }

  Result<YamlNode> mapping(int indent) {
    YamlNode n;
    n.kind = YamlNode::Kind::Map;
    if (pos_ < lines_.size()) n.line = lines_[pos_].number;
    while (pos_ < lines_.size() && lines_[pos_].indent == indent) {
      const Line l = lines_[pos_];
      if (l.text.rfind("- ", 0) == 0) break;
      auto kv = split_key(l);
      if (!kv) return kv.take_error();
      ++pos_;
      auto v = value_after(kv->second, l, indent);
      if (!v) return v;
      if (v->line == 0) v->line = l.number;
      n.keys.push_back(kv->first);
      n.values.push_back(std::move(v.value()));
    }
    return n;
  }

  Result<YamlNode> sequence(int indent) {
    YamlNode n;
    n.kind = YamlNode::Kind::Seq;
    if (pos_ < lines_.size()) n.line = lines_[pos_].number;
    while (pos_ < lines_.size() && lines_[pos_].indent == indent &&
           (lines_[pos_].text.rfind("- ", 0) == 0 || lines_[pos_].text == "-")) {
      Line l = lines_[pos_];
      std::string item = l.text.size() > 2 ? l.text.substr(2) : "";
      size_t lead = item.find_first_not_of(' ');
      item = lead == std::string::npos ? "" : item.substr(lead);
      const int item_indent = indent + 2 + static_cast<int>(lead == std::string::npos ? 0 : lead);
      if (item.empty()) {
        ++pos_;
        auto v = value_after("", l, indent);
        if (!v) return v;
        n.seq.push_back(std::move(v.value()));
        continue;
      }
      if ((item.find(": ") == std::string::npos && item.back() != ':') || item.front() == '{' || item.front() == '[') {
        ++pos_;
        auto v = scalar(item, l);
        if (!v) return v;
        n.seq.push_back(std::move(v.value()));
        continue;
      }
      // "- key: value": a mapping whose first entry shares the dash's line. Rewrite the
      // line in place as that entry at the item's indentation and read the mapping.
      lines_[pos_].indent = item_indent;
      lines_[pos_].text = item;
      auto m = mapping(item_indent);
      if (!m) return m;
      n.seq.push_back(std::move(m.value()));
    }
    return n;
  }

  Result<std::pair<std::string, std::string>> split_key(const Line& l) {
    std::string t = l.text;
    size_t colon = std::string::npos;
    if (!t.empty() && (t.front() == '"' || t.front() == '\'')) {
      const size_t close = t.find(t.front(), 1);
      if (close == std::string::npos) return fail(l, "unterminated quoted key");
      colon = t.find(':', close);
    } else {
      colon = t.find(": ");
      if (colon == std::string::npos && !t.empty() && t.back() == ':') colon = t.size() - 1;
    }
    if (colon == std::string::npos) return fail(l, "expected 'key: value'");
    std::string key = rtrim(t.substr(0, colon));
    if (key.size() >= 2 && (key.front() == '"' || key.front() == '\'')) key = key.substr(1, key.size() - 2);
    std::string rest = colon + 1 < t.size() ? t.substr(colon + 1) : "";
    const size_t lead = rest.find_first_not_of(' ');
    rest = lead == std::string::npos ? "" : rest.substr(lead);
    return std::make_pair(key, rest);
  }

  static constexpr int kMaxDepth = 64;
  std::vector<Line> lines_;
  std::string source_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

const YamlNode* YamlNode::get(const std::string& key) const {
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == key) return &values[i];
  }
  return nullptr;
}

std::string YamlNode::str(const std::string& key) const {
  const YamlNode* n = get(key);
  return n != nullptr && n->kind == Kind::Scalar ? n->scalar : "";
}

Result<YamlNode> parse_yaml_subset(const std::string& text, const std::string& source_name) {
  std::vector<Line> lines;
  std::istringstream in(text);
  std::string raw;
  int number = 0;
  while (std::getline(in, raw)) {
    ++number;
    if (raw.find('\t') != std::string::npos && raw.find_first_not_of(" \t") != std::string::npos &&
        raw.find_first_not_of(' ') < raw.size() && raw[raw.find_first_not_of(' ')] == '\t') {
      return input_error("cannot read " + source_name + " line " + std::to_string(number) +
                         ": tabs are not allowed for indentation");
    }
    std::string t = rtrim(strip_comment(raw));
    const size_t first = t.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    if (t == "---" || t == "...") continue;
    lines.push_back(Line{number, static_cast<int>(first), t.substr(first)});
  }
  Parser p(std::move(lines), source_name);
  return p.document();
}

}  // namespace fwpath::config
