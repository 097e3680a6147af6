#include "cli/demo_report.hpp"

#include <algorithm>
#include <cstdio>

#include "replay/event_json.hpp"

namespace whistle::cli {

uint64_t Latency::percentile(double q) const {
  if (samples_ns.empty()) return 0;
  return samples_ns[static_cast<size_t>(q * double(samples_ns.size() - 1))];
}

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string rate_json(double r) { return r < 0 ? "null" : fmt("%.4f", r); }

void score_json(std::string& o, const Score& s) {
  const ScoreCounts& c = s.counts;
  o += "{\"received\":" + std::to_string(c.received) + ",\"accepted_on_time\":" + std::to_string(c.accepted_on_time) +
       ",\"resolved\":" + std::to_string(c.resolved) + ",\"resolved_on_time\":" + std::to_string(c.resolved_on_time) +
       ",\"evaluated\":" + std::to_string(c.evaluated) + ",\"satisfied\":" + std::to_string(c.satisfied) +
       ",\"returned\":" + std::to_string(c.returned) + ",\"redone\":" + std::to_string(c.redone) +
       ",\"summoned\":" + std::to_string(c.summoned) + ",\"reported_on_time\":" + std::to_string(c.reported_on_time) +
       ",\"escalations\":" + std::to_string(c.escalations) +
       ",\"median_resolve_hours\":" + (c.median_resolve_ms < 0 ? "null" : fmt("%.2f", c.median_resolve_ms / 3.6e6)) +
       ",\"response_rate\":" + rate_json(s.response_rate) + ",\"on_time_rate\":" + rate_json(s.on_time_rate) +
       ",\"satisfaction_rate\":" + rate_json(s.satisfaction_rate) + ",\"return_rate\":" + rate_json(s.return_rate) +
       ",\"redo_rate\":" + rate_json(s.redo_rate) + ",\"report_rate\":" + rate_json(s.report_rate) +
       ",\"composite\":" + (s.composite < 0 ? "null" : fmt("%.1f", s.composite)) + "}";
}

void named_json(std::string& o, const char* key, const std::vector<DemoResults::Named>& list) {
  o += ",\"" + std::string(key) + "\":[";
  for (size_t i = 0; i < list.size(); ++i) {
    o += i ? ",{" : "{";
    o += "\"code\":";
    replay::append_json_string(o, list[i].code);
    o += ",\"name\":";
    replay::append_json_string(o, list[i].name);
    o += ",\"score\":";
    score_json(o, list[i].score);
    o += "}";
  }
  o += "]";
}

void latency_json(std::string& o, const char* key, const Latency& l) {
  o += ",\"" + std::string(key) + "\":{\"samples\":" + std::to_string(l.samples_ns.size()) +
       ",\"p50_ns\":" + std::to_string(l.percentile(0.5)) + ",\"p90_ns\":" + std::to_string(l.percentile(0.9)) +
       ",\"p99_ns\":" + std::to_string(l.percentile(0.99)) + ",\"p999_ns\":" + std::to_string(l.percentile(0.999)) + "}";
}

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// A bar chart as inline SVG: one bar per value, labels under every `label_every`-th bar, and
// an optional second series drawn as a line over the bars.
std::string bar_chart(const std::string& title, const std::vector<std::string>& labels, const std::vector<double>& bars,
                      const std::string& bar_name, const std::vector<double>& line = {}, const std::string& line_name = {},
                      size_t label_every = 1) {
  const double w = 900, h = 260, left = 60, bottom = 60, top = 30;
  double max = 1;
  for (double v : bars) max = std::max(max, v);
  for (double v : line) max = std::max(max, v);
  const double step = bars.empty() ? 0 : (w - left - 10) / double(bars.size());
  std::string s = "<svg viewBox='0 0 900 260' class='chart'><text x='" + fmt("%.0f", left) + "' y='18' class='title'>" +
                  esc(title) + "</text>";
  for (int k = 0; k <= 4; ++k) {
    const double y = h - bottom - (h - bottom - top) * k / 4;
    s += "<line x1='" + fmt("%.0f", left) + "' x2='890' y1='" + fmt("%.1f", y) + "' y2='" + fmt("%.1f", y) +
         "' class='grid'/><text x='" + fmt("%.0f", left - 6) + "' y='" + fmt("%.1f", y + 4) + "' class='axis' text-anchor='end'>" +
         fmt("%.0f", max * k / 4) + "</text>";
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const double bh = (h - bottom - top) * bars[i] / max, x = left + step * double(i);
    s += "<rect x='" + fmt("%.1f", x + 1) + "' y='" + fmt("%.1f", h - bottom - bh) + "' width='" +
         fmt("%.1f", std::max(1.0, step - 2)) + "' height='" + fmt("%.1f", bh) + "' class='bar'><title>" +
         esc(labels[i]) + ": " + fmt("%.0f", bars[i]) + "</title></rect>";
    if (i % label_every == 0) {
      s += "<text x='" + fmt("%.1f", x + step / 2) + "' y='" + fmt("%.0f", h - bottom + 14) +
           "' class='axis' text-anchor='end' transform='rotate(-40 " + fmt("%.1f", x + step / 2) + " " +
           fmt("%.0f", h - bottom + 14) + ")'>" + esc(labels[i]) + "</text>";
    }
  }
  if (!line.empty()) {
    s += "<polyline class='line' points='";
    for (size_t i = 0; i < line.size(); ++i) {
      s += fmt("%.1f", left + step * (double(i) + 0.5)) + "," + fmt("%.1f", h - bottom - (h - bottom - top) * line[i] / max) + " ";
    }
    s += "'/>";
  }
  s += "<text x='700' y='18' class='legend'>■ " + esc(bar_name) + (line.empty() ? "" : "  — " + esc(line_name)) + "</text>";
  return s + "</svg>";
}

}  // namespace

std::string demo_report_json(const DemoResults& r) {
  std::string o = "{\"model\":{\"nodes\":" + std::to_string(r.nodes) + ",\"grids\":" + std::to_string(r.leaves) +
                  ",\"zones\":" + std::to_string(r.zones) + ",\"units\":" + std::to_string(r.units) +
                  ",\"matters\":" + std::to_string(r.matters) + ",\"rules\":" + std::to_string(r.rules) +
                  ",\"load_seconds\":" + fmt("%.3f", r.load_seconds) +
                  ",\"compiled_load_seconds\":" + fmt("%.3f", r.compiled_load_seconds) +
                  ",\"index_mib\":" + fmt("%.1f", r.index_mib) + "}";
  o += ",\"workload\":{\"cases\":" + std::to_string(r.cases) + ",\"operations\":" + std::to_string(r.ops) +
       ",\"days\":" + std::to_string(r.days) + ",\"start\":\"" + format_iso8601(r.start, r.offset_minutes) + "\"}";
  o += ",\"run\":{\"seconds\":" + fmt("%.3f", r.replay_seconds) +
       ",\"cases_per_second\":" + fmt("%.0f", double(r.cases) / std::max(r.replay_seconds, 1e-9)) +
       ",\"operations_per_second\":" + fmt("%.0f", double(r.ops) / std::max(r.replay_seconds, 1e-9)) +
       ",\"events\":" + std::to_string(r.events) + ",\"closed_unevaluated\":" + std::to_string(r.unevaluated) +
       ",\"rejected\":" + std::to_string(r.rejected) +
       ",\"engine_bytes_per_case\":" + fmt("%.0f", double(r.memory_bytes) / double(std::max<size_t>(r.cases, 1))) + "}";
  latency_json(o, "submit_latency", r.submit);
  latency_json(o, "operation_latency", r.act);
  o += ",\"events_by_kind\":{";
  for (size_t k = 0; k < kEventKindCount; ++k) {
    o += (k ? ",\"" : "\"") + std::string(event_kind_name(static_cast<EventKind>(k))) + "\":" + std::to_string(r.events_by_kind[k]);
  }
  o += "},\"per_day\":[";
  for (size_t d = 0; d < r.per_day.size(); ++d) {
    const auto& day = r.per_day[d];
    o += (d ? ",{" : "{") + std::string("\"day\":\"") + format_iso8601(r.start + int64_t(d) * kMsPerDay, r.offset_minutes).substr(0, 10) +
         "\",\"received\":" + std::to_string(day.received) + ",\"breached\":" + std::to_string(day.breached) +
         ",\"escalated\":" + std::to_string(day.escalated) + ",\"closed\":" + std::to_string(day.closed) + "}";
  }
  o += "],\"county\":";
  score_json(o, r.county);
  named_json(o, "townships", r.townships);
  named_json(o, "platforms", r.platforms);
  named_json(o, "departments", r.departments);
  return o + "}\n";
}

std::string demo_report_html(const DemoResults& r) {
  std::string h =
      "<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>whistle demo report</title><style>"
      "body{font:14px/1.5 system-ui,sans-serif;margin:2em auto;max-width:960px;color:#222}"
      "h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#f3f3f3}td:first-child{text-align:left}"
      ".chart{width:100%;height:auto;border:1px solid #eee}.bar{fill:#4a7bd0}.line{fill:none;stroke:#d04a4a;stroke-width:2}"
      ".grid{stroke:#eee}.axis{font-size:10px;fill:#555}.title{font-weight:bold}.legend{font-size:11px;fill:#333}"
      "</style></head><body>";
  h += "<h1>whistle demo — sample county</h1><p>" + std::to_string(r.cases) + " cases, " + std::to_string(r.ops) +
       " operations over " + std::to_string(r.days) + " days from " + format_iso8601(r.start, r.offset_minutes).substr(0, 10) +
       "; model of " + std::to_string(r.leaves) + " grids, " + std::to_string(r.units) + " units, " +
       std::to_string(r.matters) + " matters, " + std::to_string(r.rules) + " rules.</p>";
  h += "<h2>Throughput and latency</h2><table><tr><th></th><th>value</th></tr>";
  h += "<tr><td>replay</td><td>" + fmt("%.2f s", r.replay_seconds) + "</td></tr>";
  h += "<tr><td>cases per second</td><td>" + fmt("%.0f", double(r.cases) / std::max(r.replay_seconds, 1e-9)) + "</td></tr>";
  h += "<tr><td>operations per second</td><td>" + fmt("%.0f", double(r.ops) / std::max(r.replay_seconds, 1e-9)) + "</td></tr>";
  for (const auto& [name, l] : {std::pair<const char*, const Latency*>{"submit", &r.submit}, {"other operations", &r.act}}) {
    h += "<tr><td>" + std::string(name) + " p50 / p99 / p99.9</td><td>" + std::to_string(l->percentile(0.5)) + " / " +
         std::to_string(l->percentile(0.99)) + " / " + std::to_string(l->percentile(0.999)) + " ns</td></tr>";
  }
  h += "<tr><td>events</td><td>" + std::to_string(r.events) + "</td></tr><tr><td>rejected operations</td><td>" +
       std::to_string(r.rejected) + "</td></tr></table>";

  std::vector<std::string> days;
  std::vector<double> received, breached;
  for (size_t d = 0; d < r.per_day.size(); ++d) {
    days.push_back(format_iso8601(r.start + int64_t(d) * kMsPerDay, r.offset_minutes).substr(5, 5));
    received.push_back(r.per_day[d].received);
    breached.push_back(r.per_day[d].breached);
  }
  h += "<h2>Cases and breaches per day</h2>" + bar_chart("cases received and SLA breaches per day", days, received, "received",
                                                        breached, "breached", std::max<size_t>(1, days.size() / 20));
  std::vector<std::string> kinds;
  std::vector<double> counts;
  for (size_t k = 0; k < kEventKindCount; ++k) {
    kinds.emplace_back(event_kind_name(static_cast<EventKind>(k)));
    counts.push_back(double(r.events_by_kind[k]));
  }
  h += "<h2>Events by kind</h2>" + bar_chart("events", kinds, counts, "events");
  std::vector<std::string> names;
  std::vector<double> scores;
  for (const auto& t : r.townships) {
    names.push_back(t.name);
    scores.push_back(std::max(0.0, t.score.composite));
  }
  h += "<h2>Townships (考评 composite, units serving each township)</h2>" + bar_chart("composite score", names, scores, "score");
  h += "<h2>SLA outcomes</h2><table><tr><th>scope</th><th>received</th><th>response</th><th>on time</th>"
       "<th>satisfaction</th><th>returns</th><th>redo</th><th>report-in</th><th>escalations</th><th>median resolve h</th>"
       "<th>composite</th></tr>";
  auto row = [&](const std::string& name, const Score& s) {
    auto pct = [](double v) { return v < 0 ? std::string("–") : fmt("%.1f%%", 100 * v); };
    h += "<tr><td>" + esc(name) + "</td><td>" + std::to_string(s.counts.received) + "</td><td>" + pct(s.response_rate) +
         "</td><td>" + pct(s.on_time_rate) + "</td><td>" + pct(s.satisfaction_rate) + "</td><td>" + pct(s.return_rate) +
         "</td><td>" + pct(s.redo_rate) + "</td><td>" + pct(s.report_rate) + "</td><td>" + std::to_string(s.counts.escalations) +
         "</td><td>" + (s.counts.median_resolve_ms < 0 ? "–" : fmt("%.1f", s.counts.median_resolve_ms / 3.6e6)) + "</td><td>" +
         (s.composite < 0 ? "–" : fmt("%.1f", s.composite)) + "</td></tr>";
  };
  row("county", r.county);
  for (const auto& p : r.platforms) row("platform " + p.code, p.score);
  for (const auto& d : r.departments) row(d.name, d.score);
  h += "</table><p>Generated by <code>whistle demo</code>; every number is also in report.json.</p></body></html>\n";
  return h;
}

}  // namespace whistle::cli
