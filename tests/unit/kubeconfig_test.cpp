#include "config/kubeconfig.h"

#include <gtest/gtest.h>

namespace fwpath::config {
namespace {

// Shaped like what kubeadm and liqoctl write: flow-style empty maps, quoted values,
// a long base64 line, comments, and a second cluster.
const char* const kKubeconfig = R"(apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMvakNDQWVhZ0F3SUJBZ0lCQURBTkJna3Foa2lHOXcwQkFRc0ZBREFWTVJNd0VRWURWUVFERXdwcmRXSmwKY201bGRHVnpNQjRYRFRJME1ERXdNVEF3TURBd01Gb1hEVE0wTURFd01UQXdNREF3TUZvd0ZURVRNQkVHQTFVRQ==
    server: https://198.51.100.20:6443
  name: provider
- cluster:
    server: "https://[2001:db8::20]"   # IPv6, no port
  name: provider-v6
contexts:
- context:
    cluster: provider
    user: admin
  name: provider-admin
- name: v6
  context:
    cluster: provider-v6
    user: admin
current-context: provider-admin
kind: Config
preferences: {}
users:
- name: admin
  user:
    token: redacted
)";

TEST(Kubeconfig, CurrentContextServer) {
  auto s = api_server_from_kubeconfig(kKubeconfig, "", "test.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->context, "provider-admin");
  EXPECT_EQ(s->cluster, "provider");
  EXPECT_EQ(s->host, "198.51.100.20");
  EXPECT_EQ(s->port, 6443);
}

TEST(Kubeconfig, NamedContextHttpsWithoutPortMeans443) {
  auto s = api_server_from_kubeconfig(kKubeconfig, "v6", "test.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->host, "2001:db8::20");
  EXPECT_EQ(s->port, 443);
}

TEST(Kubeconfig, JsonFormToo) {
  const char* j = R"({"clusters":[{"name":"c","cluster":{"server":"https://203.0.113.50:7443/"}}],
    "contexts":[{"name":"x","context":{"cluster":"c"}}],"current-context":"x"})";
  auto s = api_server_from_kubeconfig(j, "", "k.json");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->host, "203.0.113.50");
  EXPECT_EQ(s->port, 7443);
}

TEST(Kubeconfig, ErrorsNameTheProblem) {
  auto missing = api_server_from_kubeconfig(kKubeconfig, "nope", "test.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::BadInput);
  EXPECT_NE(missing.error().message().find("no context 'nope' (contexts: provider-admin, v6)"), std::string::npos)
      << missing.error().message();

  auto broken = api_server_from_kubeconfig("clusters:\n- name: a\n  cluster\n", "", "bad.yaml");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message().find("bad.yaml line 3"), std::string::npos) << broken.error().message();

  auto no_ctx = api_server_from_kubeconfig("kind: Config\n", "", "empty.yaml");
  ASSERT_FALSE(no_ctx.ok());
  EXPECT_NE(no_ctx.error().message().find("no current-context"), std::string::npos);

  auto unreadable = read_kubeconfig("/nonexistent/kubeconfig", "");
  ASSERT_FALSE(unreadable.ok());
  EXPECT_EQ(unreadable.error().kind, ErrorKind::BadInput);
}

TEST(ServerUrl, PortsAndSchemes) {
  EXPECT_EQ(parse_server_url("http://192.0.2.1").value().port, 80);
  EXPECT_EQ(parse_server_url("https://api.example.test:6443/k8s").value().host, "api.example.test");
  EXPECT_FALSE(parse_server_url("ftp://192.0.2.1").ok());
  EXPECT_FALSE(parse_server_url("https://192.0.2.1:0").ok());
  EXPECT_FALSE(parse_server_url("https://192.0.2.1:70000").ok());
  EXPECT_FALSE(parse_server_url("192.0.2.1:6443").ok());
}

}  // namespace
}  // namespace fwpath::config
