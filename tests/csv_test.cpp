#include <gtest/gtest.h>

#include <array>

#include "common/csv.hpp"

namespace whistle::csv {
namespace {

TEST(Csv, QuotedFieldsCrlfBomAndColumnsByName) {
  const std::string text =
      "\xEF\xBB\xBF" "b,a\r\n"
      "\"x, \"\"quoted\"\"\",1\r\n"
      "\"multi\nline\",2\r\n"
      "\r\n"
      ",3";
  static constexpr std::array<std::string_view, 2> cols{"a", "b"};
  auto t = Table::parse(text, "f.csv", cols);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  ASSERT_EQ(t->rows().size(), 3u);
  EXPECT_EQ(t->get(t->rows()[0], "b"), "x, \"quoted\"");
  EXPECT_EQ(t->get(t->rows()[0], "a"), "1");
  EXPECT_EQ(t->get(t->rows()[1], "b"), "multi\nline");
  EXPECT_EQ(t->rows()[1].line, 3u);
  EXPECT_EQ(t->rows()[2].line, 6u);  // the blank line is skipped, numbering is kept
  EXPECT_EQ(t->get(t->rows()[2], "b"), "");
  EXPECT_EQ(t->get(t->rows()[2], "missing"), "");
}

TEST(Csv, Errors) {
  static constexpr std::array<std::string_view, 1> cols{"a"};
  auto expect = [&](const std::string& text, const std::string& part) {
    auto t = Table::parse(text, "f.csv", cols);
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_NE(t.status().message().find(part), std::string::npos) << t.status().message();
  };
  expect("", "f.csv:1: missing header row");
  expect("b\n1\n", "f.csv:1: missing column 'a'");
  expect("a,a\n", "appears twice");
  expect("a\n\"x\"y\n", "f.csv:2: unexpected character after closing quote");
  expect("a\nx\"y\n", "f.csv:2: quote inside an unquoted field");
  expect("a\n\"open\n", "f.csv:2: unterminated quoted field");
  expect("a\n1,2\n", "f.csv:2: expected 1 fields, found 2");
  expect("a\n1\r2\n", "bare carriage return");
  expect("a\n\xc3\x28\n", "not valid UTF-8");
}

TEST(Csv, SplitList) {
  auto items = split_list("a;b;;c;");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[2], "c");
  EXPECT_TRUE(split_list("").empty());
}

}  // namespace
}  // namespace whistle::csv
