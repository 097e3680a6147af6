// RFC 4180 CSV reader for the model files: header row, quoted fields (with embedded commas,
// quotes and newlines), LF or CRLF line ends, UTF-8 (validated), optional BOM.
// Columns are found by header name, so files may reorder columns or add extra ones.
// Every error names the file, the line and, where there is one, the field.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "whistle/status.hpp"

namespace whistle::csv {

struct Row {
  uint32_t line = 0;                // 1-based line where the record starts
  std::vector<std::string> fields;  // one per header column
};

class Table {
 public:
  // Parses `text`; `file` names it in messages. Every column in `required` must be in the header.
  static Result<Table> parse(std::string_view text, std::string_view file,
                             std::span<const std::string_view> required);

  // Index of a header column, or -1.
  int column(std::string_view name) const;
  const std::vector<Row>& rows() const { return rows_; }
  const std::string& file() const { return file_; }

  // The value of `name` in `row`, "" when the column is absent.
  std::string_view get(const Row& row, std::string_view name) const;

  // "file:line: field 'name': what" — the form of every model loading error.
  Status error(const Row& row, std::string_view field, std::string_view what) const;

 private:
  std::string file_;
  std::vector<std::string> header_;
  std::vector<Row> rows_;
};

// Splits a `;`-separated list field; empty items are dropped, whitespace is kept.
std::vector<std::string_view> split_list(std::string_view field);

// Reads a whole file; the error names the path.
Result<std::string> read_file(const std::string& path);

}  // namespace whistle::csv
