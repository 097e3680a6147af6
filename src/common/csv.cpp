#include "common/csv.hpp"

#include <simdjson.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace whistle::csv {
namespace {

std::string where(std::string_view file, uint32_t line) {
  return std::string(file) + ":" + std::to_string(line) + ": ";
}

// Splits `text` into records of fields. Stops at the first malformed record.
Status split_records(std::string_view text, std::string_view file,
                     std::vector<Row>& records) {
  size_t i = 0;
  uint32_t line = 1;
  const size_t n = text.size();
  while (i < n) {
    Row row;
    row.line = line;
    std::string field;
    bool end_of_record = false;
    while (!end_of_record) {
      field.clear();
      if (i < n && text[i] == '"') {
        ++i;
        bool closed = false;
        while (i < n) {
          char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (c == '\n') ++line;
          field.push_back(c);
          ++i;
        }
        if (!closed) return Status::invalid(where(file, row.line) + "unterminated quoted field");
        if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          return Status::invalid(where(file, line) + "unexpected character after closing quote");
        }
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"') {
            return Status::invalid(where(file, line) + "quote inside an unquoted field");
          }
          field.push_back(text[i]);
          ++i;
        }
      }
      row.fields.push_back(field);
      if (i >= n) {
        end_of_record = true;
      } else if (text[i] == ',') {
        ++i;
      } else {
        if (text[i] == '\r') {
          ++i;
          if (i < n && text[i] != '\n') {
            return Status::invalid(where(file, line) + "bare carriage return");
          }
        }
        if (i < n) ++i;  // '\n'
        ++line;
        end_of_record = true;
      }
    }
    // A blank line (one empty field) is skipped.
    if (!(row.fields.size() == 1 && row.fields[0].empty())) records.push_back(std::move(row));
  }
  return {};
}

}  // namespace

Result<Table> Table::parse(std::string_view text, std::string_view file,
                           std::span<const std::string_view> required) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (!simdjson::validate_utf8(text.data(), text.size())) {
    return Status::invalid(std::string(file) + ": not valid UTF-8");
  }
  std::vector<Row> records;
  WHISTLE_RETURN_IF_ERROR(split_records(text, file, records));
  if (records.empty()) return Status::invalid(std::string(file) + ":1: missing header row");

  Table table;
  table.file_ = std::string(file);
  table.header_ = std::move(records.front().fields);
  for (auto& h : table.header_) {
    while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.pop_back();
    while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.erase(h.begin());
  }
  for (size_t a = 0; a < table.header_.size(); ++a) {
    for (size_t b = a + 1; b < table.header_.size(); ++b) {
      if (table.header_[a] == table.header_[b]) {
        return Status::invalid(where(file, 1) + "column '" + table.header_[a] + "' appears twice");
      }
    }
  }
  for (std::string_view name : required) {
    if (table.column(name) < 0) {
      return Status::invalid(where(file, 1) + "missing column '" + std::string(name) + "'");
    }
  }
  for (size_t r = 1; r < records.size(); ++r) {
    Row& row = records[r];
    if (row.fields.size() != table.header_.size()) {
      return Status::invalid(where(file, row.line) + "expected " +
                             std::to_string(table.header_.size()) + " fields, found " +
                             std::to_string(row.fields.size()));
    }
    table.rows_.push_back(std::move(row));
  }
  return table;
}

int Table::column(std::string_view name) const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

std::string_view Table::get(const Row& row, std::string_view name) const {
  int c = column(name);
  if (c < 0) return {};
  return row.fields[static_cast<size_t>(c)];
}

Status Table::error(const Row& row, std::string_view field, std::string_view what) const {
  return Status::invalid(where(file_, row.line) + "field '" + std::string(field) + "': " +
                         std::string(what));
}

std::vector<std::string_view> split_list(std::string_view field) {
  std::vector<std::string_view> items;
  size_t start = 0;
  while (start <= field.size()) {
    size_t end = field.find(';', start);
    if (end == std::string_view::npos) end = field.size();
    if (end > start) items.push_back(field.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

Result<std::string> read_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return Status::io(path + ": cannot open: " + std::strerror(errno));
  std::string data;
  if (std::fseek(f.get(), 0, SEEK_END) == 0) {
    const long size = std::ftell(f.get());
    if (size > 0) data.reserve(static_cast<size_t>(size));
    std::rewind(f.get());
  }
  char buffer[1 << 16];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, f.get())) > 0) data.append(buffer, got);
  if (std::ferror(f.get())) return Status::io(path + ": read error");
  return data;
}

}  // namespace whistle::csv
