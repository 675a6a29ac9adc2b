#pragma once
// The bad inputs `fwpath` is tried with, and the one line and exit code each must get.
// This table is the source: tests/integration/bad_input_test.cpp runs every row, and
// tests/unit/bad_input_doc_test.cpp checks that docs/bad-input.md shows exactly
// bad_input_markdown() between its markers. "$DIR" stands for the test's scratch
// directory (mode 0755), which holds bad_input_files().
#include <string>
#include <vector>

namespace fwpath::testlab {

struct BadInputCase {
  const char* input;              // what is wrong, as the doc's first column says it
  std::vector<std::string> args;  // after "fwpath"
  const char* stderr_line;        // the whole of stderr, without its newline
  int exit_code;
  bool as_nobody = false;  // run as uid/gid 65534 with no capabilities (root reads any file)
};

struct BadInputFile {
  const char* name;  // in $DIR
  const char* content;
  unsigned mode;
};

// Names under .invalid never resolve (RFC 6761); no real name is ever looked up.
inline const std::vector<BadInputCase>& bad_input_cases() {
  static const std::vector<BadInputCase> cases = {
      {"port 0",
       {"probe", "--tcp", "192.0.2.1:0"},
       "fwpath probe: --tcp: port must be 1..65535, got '0' in '192.0.2.1:0'",
       2},
      {"port 65536",
       {"probe", "--udp", "192.0.2.1:65536"},
       "fwpath probe: --udp: port must be 1..65535, got '65536' in '192.0.2.1:65536'",
       2},
      {"negative port",
       {"probe", "--tcp", "192.0.2.1:-1"},
       "fwpath probe: --tcp: port must be 1..65535, got '-1' in '192.0.2.1:-1'",
       2},
      {"host without port",
       {"probe", "--tcp", "host:"},
       "fwpath probe: --tcp: port must be 1..65535, got '' in 'host:'",
       2},
      {"no port at all",
       {"probe", "--tcp", "192.0.2.1"},
       "fwpath probe: --tcp: expected HOST:PORT (IPv6 as [ADDR]:PORT), got '192.0.2.1'",
       2},
      {"port without host", {"probe", "--tcp", ":80"}, "fwpath probe: --tcp: not an IPv4 or IPv6 address: ''", 2},
      {"IPv6 without brackets",
       {"probe", "--tcp", "2001:db8::1:443"},
       "fwpath probe: --tcp: expected HOST:PORT (IPv6 as [ADDR]:PORT), got '2001:db8::1:443'",
       2},
      {"IPv6 bracket not closed",
       {"probe", "--tcp", "[2001:db8::1"},
       "fwpath probe: --tcp: expected [IPV6]:PORT, got '[2001:db8::1'",
       2},
      {"IPv6 port 0",
       {"probe", "--api-server", "[2001:db8::1]:0"},
       "fwpath probe: --api-server: port must be 1..65535, got '0' in '[2001:db8::1]:0'",
       2},
      {"host name that does not resolve",
       {"probe", "--tcp", "nosuch.invalid:80"},
       "fwpath probe: --tcp: cannot resolve host 'nosuch.invalid' in 'nosuch.invalid:80': Name or service not known",
       2},
      {"--timeout 0",
       {"probe", "--tcp", "192.0.2.1:80", "--timeout", "0"},
       "fwpath probe: --timeout must be between 0.1 and 60 seconds, got 0",
       2},
      {"--timeout -1",
       {"probe", "--tcp", "192.0.2.1:80", "--timeout", "-1"},
       "fwpath probe: --timeout must be between 0.1 and 60 seconds, got -1",
       2},
      {"--timeout abc",
       {"probe", "--tcp", "192.0.2.1:80", "--timeout", "abc"},
       "fwpath probe: the argument ('abc') for option '--timeout' is invalid",
       2},
      {"--timeout nan",
       {"probe", "--tcp", "192.0.2.1:80", "--timeout", "nan"},
       "fwpath probe: --timeout must be between 0.1 and 60 seconds, got nan",
       2},
      {"unknown option",
       {"probe", "--tcp", "192.0.2.1:80", "--bogus"},
       "fwpath probe: unrecognised option '--bogus'",
       2},
      {"unknown command", {"nosuchcmd"}, "fwpath: unknown command 'nosuchcmd' (see fwpath --help)", 2},
      {"nothing to probe",
       {"probe"},
       "fwpath probe: nothing to probe: give --api-server, --gateway, --kubeconfig, --tcp or --udp",
       2},
      {"--api-server and --kubeconfig",
       {"probe", "--api-server", "192.0.2.1:6443", "--kubeconfig", "$DIR/ok.yaml"},
       "fwpath probe: give --api-server or --kubeconfig, not both",
       2},
      {"--context without --kubeconfig",
       {"probe", "--context", "prod", "--tcp", "192.0.2.1:80"},
       "fwpath probe: --context needs --kubeconfig",
       2},
      {"kubeconfig that does not exist",
       {"probe", "--kubeconfig", "$DIR/missing.yaml"},
       "fwpath probe: cannot read kubeconfig $DIR/missing.yaml: No such file or directory",
       2},
      {"unreadable kubeconfig (mode 000)",
       {"probe", "--kubeconfig", "$DIR/mode-000.yaml"},
       "fwpath probe: cannot read kubeconfig $DIR/mode-000.yaml: Permission denied",
       2,
       true},
      {"kubeconfig that is a directory",
       {"probe", "--kubeconfig", "$DIR"},
       "fwpath probe: cannot read kubeconfig $DIR: Is a directory",
       2},
      {"malformed kubeconfig (YAML)",
       {"probe", "--kubeconfig", "$DIR/malformed.yaml"},
       "fwpath probe: cannot read $DIR/malformed.yaml line 2: unterminated quoted string",
       2},
      {"malformed kubeconfig (JSON)",
       {"probe", "--kubeconfig", "$DIR/malformed.json"},
       "fwpath probe: kubeconfig is neither valid YAML nor valid JSON: $DIR/malformed.json",
       2},
      {"kubeconfig nested too deep",
       {"probe", "--kubeconfig", "$DIR/deep.yaml"},
       "fwpath probe: cannot read $DIR/deep.yaml line 65: nested deeper than 64 levels",
       2},
      {"kubeconfig without current-context",
       {"probe", "--kubeconfig", "$DIR/no-current.yaml"},
       "fwpath probe: kubeconfig has no current-context; name one with --context: $DIR/no-current.yaml",
       2},
      {"missing context",
       {"probe", "--kubeconfig", "$DIR/ok.yaml", "--context", "staging"},
       "fwpath probe: kubeconfig has no context 'staging' (contexts: prod) in $DIR/ok.yaml",
       2},
      {"context naming a missing cluster",
       {"probe", "--kubeconfig", "$DIR/no-cluster.yaml"},
       "fwpath probe: kubeconfig context 'prod' names cluster 'gone', which is not defined in $DIR/no-cluster.yaml",
       2},
      {"kubeconfig server that is not a URL",
       {"probe", "--kubeconfig", "$DIR/not-a-url.yaml"},
       "fwpath probe: kubeconfig server is not a URL: '192.0.2.10:6443'",
       2},
      {"kubeconfig server port 0",
       {"probe", "--kubeconfig", "$DIR/port-0.yaml"},
       "fwpath probe: kubeconfig server port must be 1..65535: 'https://192.0.2.10:0'",
       2},
      {"kubeconfig server name that does not resolve",
       {"probe", "--kubeconfig", "$DIR/unresolvable.yaml"},
       "fwpath probe: --api-server: cannot resolve host 'api.nosuch.invalid' in 'api.nosuch.invalid:6443': Name or "
       "service not known",
       2},
      {"--pcap into a missing directory",
       {"probe", "--tcp", "192.0.2.1:80", "--pcap", "$DIR/missing/probe.pcap"},
       "fwpath probe: cannot write pcap file: $DIR/missing/probe.pcap: No such file or directory",
       2},
      {"--netns that does not exist",
       {"probe", "--tcp", "192.0.2.1:80", "--netns", "fwpath-no-such-ns"},
       "fwpath probe: no such network namespace fwpath-no-such-ns",
       2},
      {"--from-netns that does not exist",
       {"probe", "--tcp", "192.0.2.1:80", "--from-netns", "fwpath-no-such-ns"},
       "fwpath probe: no such network namespace fwpath-no-such-ns",
       2},
      {"--netns with a path in it",
       {"probe", "--tcp", "192.0.2.1:80", "--netns", "../../etc/passwd"},
       "fwpath probe: invalid network namespace name '../../etc/passwd'",
       2},
      {"missing privileges",
       {"probe", "--tcp", "192.0.2.1:80", "--from-netns", "fwpath-no-such-ns"},
       "fwpath probe: tracing needs CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_DAC_READ_SEARCH (run as root)",
       3,
       true},
      {"kernel-check: missing privileges",
       {"kernel-check"},
       "fwpath kernel-check: probing the kernel needs CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_DAC_READ_SEARCH (run as root)",
       3,
       true},
      {"kernel-check: unknown option",
       {"kernel-check", "--bogus"},
       "fwpath kernel-check: unrecognised option '--bogus'",
       2},
      {"demo: unknown option", {"demo", "--bogus"}, "fwpath demo: unrecognised option '--bogus'", 2},
      {"demo: missing privileges",
       {"demo"},
       "fwpath demo: building the demo lab needs CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_DAC_OVERRIDE (run as root)",
       3,
       true},
      {"lab: missing privileges",
       {"lab", "run", "$DIR/ok-scenario.yaml"},
       "fwpath lab: building and tracing a lab needs CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_DAC_OVERRIDE (run as root)",
       3,
       true},
      {"lab: scenario with an unknown key",
       {"lab", "run", "$DIR/unknown-key.yaml"},
       "fwpath lab: $DIR/unknown-key.yaml line 5: hosts[0].colour: unknown key",
       2},
      {"lab: scenario file missing",
       {"lab", "run", "$DIR/missing.yaml"},
       "fwpath lab: read $DIR/missing.yaml: No such file or directory",
       2},
      {"audit: ruleset that does not load",
       {"audit", "--ruleset", "$DIR/broken.nft", "--role", "provider", "--require", "tcp:6443"},
       "fwpath audit: $DIR/broken.nft:4: syntax error, unexpected newline [column 25: tcp dport 6443 dropp]",
       2},
      {"audit: unknown protocol in --require",
       {"audit", "--ruleset", "$DIR/broken.nft", "--role", "provider", "--require", "sctp:6443"},
       "fwpath audit: bad --require 'sctp:6443': unknown protocol 'sctp' (expected tcp:PORT or udp:PORT)",
       2},
      {"audit: unknown --role",
       {"audit", "--ruleset", "$DIR/broken.nft", "--role", "boss", "--require", "tcp:6443"},
       "fwpath audit: bad --role 'boss' (expected consumer or provider)",
       2},
      {"audit: missing privileges",
       {"audit", "--ruleset", "$DIR/broken.nft", "--role", "provider", "--require", "tcp:6443"},
       "fwpath audit: building the audit lab needs CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_DAC_OVERRIDE (run as root)",
       3,
       true},
  };
  return cases;
}

inline std::string deep_yaml() {
  std::string text;
  for (int i = 0; i < 70; ++i) text += std::string(static_cast<size_t>(i), ' ') + "k" + std::to_string(i) + ":\n";
  return text;
}

inline const std::vector<BadInputFile>& bad_input_files() {
  static const std::string deep = deep_yaml();
  static const std::vector<BadInputFile> files = {
      {"ok.yaml",
       "current-context: prod\ncontexts:\n- name: prod\n  context:\n    cluster: c\nclusters:\n- name: c\n  cluster:\n"
       "    server: https://192.0.2.10:6443\n",
       0644},
      {"mode-000.yaml", "current-context: prod\n", 0000},
      {"malformed.yaml", "current-context: prod\nclusters: 'unterminated\n", 0644},
      {"malformed.json", "{\"current-context\": \"prod\",", 0644},
      {"deep.yaml", deep.c_str(), 0644},
      {"no-current.yaml", "contexts: []\n", 0644},
      {"no-cluster.yaml", "current-context: prod\ncontexts:\n- name: prod\n  context:\n    cluster: gone\n", 0644},
      {"not-a-url.yaml",
       "current-context: prod\ncontexts:\n- name: prod\n  context:\n    cluster: c\nclusters:\n- name: c\n  cluster:\n"
       "    server: 192.0.2.10:6443\n",
       0644},
      {"port-0.yaml",
       "current-context: prod\ncontexts:\n- name: prod\n  context:\n    cluster: c\nclusters:\n- name: c\n  cluster:\n"
       "    server: https://192.0.2.10:0\n",
       0644},
      {"unresolvable.yaml",
       "current-context: prod\ncontexts:\n- name: prod\n  context:\n    cluster: c\nclusters:\n- name: c\n  cluster:\n"
       "    server: https://api.nosuch.invalid:6443\n",
       0644},
      {"unknown-key.yaml", "name: x\ntitle: t\nhosts:\n  - name: a\n    colour: red\n", 0644},
      {"ok-scenario.yaml",
       "name: t-ok\ntitle: two hosts, one probe\nhosts:\n  - name: a\n  - name: b\nlinks:\n"
       "  - {a: a, a_if: eth0, b: b, b_if: eth0}\naddresses:\n  - {host: a, if: eth0, cidr: 192.0.2.10/24}\n"
       "  - {host: b, if: eth0, cidr: 192.0.2.20/24}\nprobes:\n  - name: api\n    from: a\n"
       "    tcp: 192.0.2.20:6443\n    expect:\n      outcome: reached\n",
       0644},
      {"broken.nft",
       "table inet filter {\n  chain input {\n    type filter hook input priority 0; policy accept;\n"
       "    tcp dport 6443 dropp\n  }\n}\n",
       0644},
  };
  return files;
}

// The table docs/bad-input.md shows between its markers.
inline std::string bad_input_markdown() {
  std::string out = "| bad input | command | stderr (one line) | exit |\n|---|---|---|---|\n";
  for (const auto& c : bad_input_cases()) {
    std::string cmd = "fwpath";
    for (const auto& a : c.args) cmd += " " + a;
    out += std::string("| ") + c.input + (c.as_nobody ? " (as uid 65534, no capabilities)" : "") + " | `" + cmd +
           "` | `" + c.stderr_line + "` | " + std::to_string(c.exit_code) + " |\n";
  }
  return out;
}

}  // namespace fwpath::testlab
