// output/xml_text.h: what the JUnit reports of audit and lab run do to text that comes
// from the user's rulesets and files.
#include "output/xml_text.h"

#include <gtest/gtest.h>

namespace fwpath::output {
namespace {

TEST(XmlText, MarkupAndQuotesBecomeEntities) {
  EXPECT_EQ(xml_escaped("comment \"a<b>&'c'\""), "comment &quot;a&lt;b&gt;&amp;&apos;c&apos;&quot;");
}

TEST(XmlText, NewlinesAndTabsSurviveAnAttribute) {
  EXPECT_EQ(xml_escaped("line one\nline\ttwo"), "line one&#10;line&#9;two");
}

TEST(XmlText, ControlCharactersXmlForbidsBecomeSpaces) {
  EXPECT_EQ(xml_escaped(std::string("a\x01"
                                    "b\x1b[0m\rc",
                                    9)),
            "a b [0m c");
}

TEST(XmlText, Utf8PassesUnchanged) {
  EXPECT_EQ(xml_escaped("règle \xE2\x9C\x93"), "règle \xE2\x9C\x93");
}

}  // namespace
}  // namespace fwpath::output
