#pragma once
// Text inside the JUnit XML reports (audit --junit, lab run --junit): rule text, comments
// and file names come from the user's rulesets, so every one is escaped.
#include <string>

namespace fwpath::output {

// Escaped for an XML 1.0 attribute value or element text: & < > " ' as entities, newline
// and tab as character references (so that an attribute keeps them), and the control
// characters XML 1.0 forbids even escaped as spaces.
std::string xml_escaped(const std::string& text);

}  // namespace fwpath::output
