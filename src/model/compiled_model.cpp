// The compiled model file: write, verify, read. Reading trusts nothing: the FlatBuffers
// verifier checks the structure, then every id and range is checked before use.
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/csv.hpp"
#include "model/loaders.hpp"
#include "model_generated.h"
#include "whistle/model.hpp"

namespace whistle {
namespace {

constexpr uint32_t kFormatVersion = 1;

flatbuffers::Offset<fb::GridIndexFb> write_index(flatbuffers::FlatBufferBuilder& b,
                                                 const GridIndex& index) {
  const auto& t = index.top();
  const fb::GridNodeFb top(t.x0, t.y0, t.shift, t.nx, t.ny);
  auto cells = b.CreateVector(index.cells().data(), index.cells().size());
  auto blob = b.CreateVector(index.blob().data(), index.blob().size());
  return fb::CreateGridIndexFb(b, static_cast<uint8_t>(index.mode()), &top, cells, blob);
}

// FlatBuffers stores scalars little-endian, as the hosts we build for are: a plain copy.
static_assert(FLATBUFFERS_LITTLEENDIAN, "compiled models assume a little-endian host");
template <class T, class Out = std::vector<T>>
Out copy_vector(const flatbuffers::Vector<T>* v) {
  if (!v || v->size() == 0) return {};
  Out out(v->size());
  std::memcpy(out.data(), v->Data(), out.size() * sizeof(T));
  return out;
}

template <class ShapeOk>
bool read_index(const fb::GridIndexFb* in, ShapeOk shape_ok, GridIndex& out, std::string& error) {
  if (!in) {
    error = "missing grid index";
    return false;
  }
  GridIndex::Storage s;
  s.mode = static_cast<GridIndex::Mode>(in->mode());
  if (const auto* t = in->top()) s.top = {t->x0(), t->y0(), t->shift(), t->nx(), t->ny()};
  s.cells = copy_vector<uint32_t, GridIndex::Words>(in->cells());
  s.blob = copy_vector<uint32_t, GridIndex::Words>(in->blob());
  return GridIndex::from_storage(std::move(s), shape_ok, out, &error);
}

std::string str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

}  // namespace

std::string Model::to_compiled() const {
  flatbuffers::FlatBufferBuilder b(1 << 20);
  std::vector<flatbuffers::Offset<fb::NodeFb>> nodes;
  for (const auto& n : territory_.nodes()) {
    nodes.push_back(fb::CreateNodeFb(b, b.CreateString(n.code), b.CreateString(n.name),
                                     static_cast<uint8_t>(n.level), n.parent));
  }
  std::vector<flatbuffers::Offset<fb::UnitFb>> units;
  for (const auto& u : units_) {
    units.push_back(fb::CreateUnitFb(b, b.CreateString(u.code), b.CreateString(u.name),
                                     b.CreateString(u.kind), u.territory, static_cast<uint8_t>(u.platform)));
  }
  std::vector<flatbuffers::Offset<fb::MatterFb>> matters;
  for (const auto& m : matters_) {
    matters.push_back(fb::CreateMatterFb(b, b.CreateString(m.code), b.CreateString(m.name),
                                         b.CreateString(m.domain), b.CreateString(m.category),
                                         b.CreateString(m.sla), m.sla_class));
  }
  std::vector<flatbuffers::Offset<fb::CalendarFb>> calendars;
  for (const auto& c : calendars_) {
    std::vector<int32_t> starts, ends, years(c.known_years().begin(), c.known_years().end());
    for (const auto& iv : c.office_hours()) {
      starts.push_back(iv.start_ms);
      ends.push_back(iv.end_ms);
    }
    std::vector<int64_t> days;
    std::vector<uint8_t> off;
    for (const auto& o : c.overrides()) {
      days.push_back(o.day);
      off.push_back(o.off ? 1 : 0);
    }
    calendars.push_back(fb::CreateCalendarFb(b, b.CreateString(c.id()), c.utc_offset_minutes(), b.CreateVector(starts),
                                             b.CreateVector(ends), b.CreateVector(days), b.CreateVector(off),
                                             b.CreateVector(years)));
  }
  std::vector<flatbuffers::Offset<fb::SlaClassFb>> sla;
  for (const auto& cls : sla_classes_) {
    std::vector<fb::StageSlaFb> stages;
    for (const StageSla& st : cls.stages) {
      stages.emplace_back(st.has_deadline, static_cast<uint8_t>(st.limit.unit),
                          static_cast<uint8_t>(st.warn_before ? st.warn_before->unit : DurationUnit::working_days),
                          static_cast<uint8_t>(st.escalate_every ? st.escalate_every->unit : DurationUnit::working_days),
                          st.has_deadline ? st.limit.count : 0, st.warn_before ? st.warn_before->count : 0,
                          st.escalate_every ? st.escalate_every->count : 0, st.calendar);
    }
    sla.push_back(fb::CreateSlaClassFb(b, b.CreateString(cls.name), b.CreateVectorOfStructs(stages)));
  }
  std::vector<flatbuffers::Offset<fb::RuleFb>> rules;
  for (const auto& r : responsibility_.rules()) {
    rules.push_back(fb::CreateRuleFb(b, r.matter, r.scope, r.primary.value, r.first_cooperating,
                                     r.cooperating_count, r.line, b.CreateString(r.note)));
  }
  std::vector<uint32_t> cooperating;
  for (const auto& r : responsibility_.rules()) {
    for (const Assignee a : responsibility_.cooperating(r)) cooperating.push_back(a.value);
  }
  std::vector<flatbuffers::Offset<flatbuffers::String>> role_kinds;
  for (const auto& k : responsibility_.role_kinds()) role_kinds.push_back(b.CreateString(k));
  auto nodes_v = b.CreateVector(nodes);
  auto units_v = b.CreateVector(units);
  auto matters_v = b.CreateVector(matters);
  auto rules_v = b.CreateVector(rules);
  auto coop_v = b.CreateVector(cooperating);
  auto kinds_v = b.CreateVector(role_kinds);
  auto role_units_v = b.CreateVector(responsibility_.role_units());
  auto leaf = write_index(b, leaf_index_);
  auto zone = write_index(b, zone_index_);
  auto calendars_v = b.CreateVector(calendars);
  auto sla_v = b.CreateVector(sla);
  auto root = fb::CreateModelFb(b, kFormatVersion, nodes_v, units_v, matters_v, rules_v, coop_v,
                                kinds_v, role_units_v, leaf, zone, calendars_v, sla_v);
  fb::FinishModelFbBuffer(b, root);
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

Status Model::save_compiled(const std::string& file) const {
  const std::string bytes = to_compiled();
  const std::string tmp = file + ".tmp";
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(tmp.c_str(), "wb"), &std::fclose);
  if (!f) return Status::io(tmp + ": cannot create");
  if (std::fwrite(bytes.data(), 1, bytes.size(), f.get()) != bytes.size() || std::fflush(f.get()) != 0) {
    return Status::io(tmp + ": write failed");
  }
  f.reset();
  if (std::rename(tmp.c_str(), file.c_str()) != 0) return Status::io(file + ": cannot rename into place");
  return {};
}

Result<std::shared_ptr<const Model>> Model::load_compiled(const std::string& file) {
  auto bytes = csv::read_file(file);
  if (!bytes.ok()) return bytes.status();
  auto model = from_compiled(*bytes);
  if (!model.ok()) return Status(model.status().code(), file + ": " + model.status().message());
  return model;
}

Result<std::shared_ptr<const Model>> Model::from_compiled(std::string_view bytes) {
  auto bad = [](std::string what) { return Status::corrupt("compiled model: " + what); };
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.size() < 8 || !fb::ModelFbBufferHasIdentifier(data)) return bad("not a whistle compiled model");
  flatbuffers::Verifier::Options options;
  options.max_tables = 1u << 30;
  flatbuffers::Verifier verifier(data, bytes.size(), options);
  if (!fb::VerifyModelFbBuffer(verifier)) return bad("failed verification (truncated or damaged)");
  const fb::ModelFb* root = fb::GetModelFb(data);
  if (root->format_version() != kFormatVersion) {
    return bad("format version " + std::to_string(root->format_version()) + ", expected " +
               std::to_string(kFormatVersion));
  }
  if (!root->nodes() || root->nodes()->size() == 0) return bad("no territory nodes");
  const uint32_t n = root->nodes()->size();
  std::vector<Territory::NodeData> nodes(n);
  std::vector<NodeId> parents(n);
  for (uint32_t i = 0; i < n; ++i) {
    const auto* in = root->nodes()->Get(i);
    nodes[i] = {str(in->code()), str(in->name()), static_cast<Level>(in->level()), in->parent()};
    if (in->level() > static_cast<uint8_t>(Level::zone)) return bad("node " + std::to_string(i) + ": bad level");
    if (in->parent() != kNoNode && in->parent() >= n) return bad("node " + std::to_string(i) + ": bad parent");
    if (nodes[i].code.empty()) return bad("node " + std::to_string(i) + ": empty code");
    parents[i] = in->parent();
  }
  if (model::find_cycle(parents) != kNoNode) return bad("cycle in the territory tree");
  Parts parts;
  parts.territory = Territory(std::move(nodes));
  if (parts.territory.nodes().size() != n) return bad("duplicate node codes");
  for (uint32_t i = 0; i < n; ++i) {
    if (parts.territory.find(parts.territory.code(i)) != i) return bad("duplicate node code");
  }
  if (root->units()) {
    for (const auto* in : *root->units()) {
      if (in->territory() >= n || in->platform() > static_cast<uint8_t>(Platform::service)) {
        return bad("unit '" + str(in->code()) + "': bad territory or platform");
      }
      parts.units.push_back({str(in->code()), str(in->name()), str(in->kind()), in->territory(),
                             static_cast<Platform>(in->platform())});
    }
  }
  if (root->calendars()) {
    for (const auto* in : *root->calendars()) {
      const auto starts = copy_vector(in->office_start_ms()), ends = copy_vector(in->office_end_ms());
      const auto days = copy_vector(in->override_days());
      const auto off = copy_vector(in->override_off());
      if (starts.size() != ends.size() || days.size() != off.size() || in->utc_offset_minutes() < -18 * 60 ||
          in->utc_offset_minutes() > 18 * 60) {
        return bad("calendar '" + str(in->id()) + "': inconsistent fields");
      }
      std::vector<Calendar::OfficeInterval> hours;
      for (size_t i = 0; i < starts.size(); ++i) {
        if (starts[i] < 0 || starts[i] >= ends[i] || ends[i] > kMsPerDay || (i > 0 && starts[i] < ends[i - 1])) {
          return bad("calendar '" + str(in->id()) + "': bad office hours");
        }
        hours.push_back({starts[i], ends[i]});
      }
      std::vector<Calendar::DayOverride> overrides;
      for (size_t i = 0; i < days.size(); ++i) overrides.push_back({days[i], off[i] != 0});
      parts.calendars.emplace_back(str(in->id()), in->utc_offset_minutes(), std::move(hours), std::move(overrides),
                                   copy_vector(in->known_years()));
    }
  }
  if (root->sla_classes()) {
    for (const auto* in : *root->sla_classes()) {
      if (!in->stages() || in->stages()->size() != kStageCount) return bad("SLA class with the wrong stage count");
      SlaClass cls;
      cls.name = str(in->name());
      for (size_t k = 0; k < kStageCount; ++k) {
        const auto* st = in->stages()->Get(static_cast<flatbuffers::uoffset_t>(k));
        StageSla& out = cls.stages[k];
        auto duration = [&](uint8_t unit, uint32_t count, Duration& d) {
          if (unit > static_cast<uint8_t>(DurationUnit::minutes) || count == 0 || count > kMaxDurationCount) return false;
          d = {count, static_cast<DurationUnit>(unit)};
          return true;
        };
        if (!st->has_deadline()) continue;
        out.has_deadline = true;
        if (!duration(st->limit_unit(), st->limit(), out.limit) || st->calendar() >= parts.calendars.size()) {
          return bad("SLA class '" + cls.name + "': bad stage");
        }
        out.calendar = st->calendar();
        if (st->warn()) {
          Duration w;
          if (!duration(st->warn_unit(), st->warn(), w) || w.unit != out.limit.unit || w.count >= out.limit.count) {
            return bad("SLA class '" + cls.name + "': bad warning");
          }
          out.warn_before = w;
        }
        if (st->every()) {
          Duration e;
          if (!duration(st->every_unit(), st->every(), e)) return bad("SLA class '" + cls.name + "': bad escalation");
          out.escalate_every = e;
        }
      }
      parts.sla_classes.push_back(std::move(cls));
    }
  }
  if (root->matters()) {
    for (const auto* in : *root->matters()) {
      if (in->sla_class() != kNoSlaClass && in->sla_class() >= parts.sla_classes.size()) {
        return bad("matter '" + str(in->code()) + "': bad SLA class");
      }
      parts.matters.push_back({str(in->code()), str(in->name()), str(in->domain()),
                               str(in->category()), str(in->sla()), in->sla_class()});
    }
  }
  ResponsibilityIndex::Input input;
  input.cooperating.reserve(root->cooperating() ? root->cooperating()->size() : 0);
  if (root->role_kinds()) {
    for (const auto* k : *root->role_kinds()) input.role_kinds.push_back(str(k));
  }
  const size_t roles = input.role_kinds.size();
  auto check_assignee = [&](uint32_t v) {
    const Assignee a{v};
    return a.is_role() ? a.index() < roles : a.index() < parts.units.size();
  };
  if (root->cooperating()) {
    for (uint32_t v : *root->cooperating()) {
      if (!check_assignee(v)) return bad("cooperating entry out of range");
      input.cooperating.push_back(Assignee{v});
    }
  }
  std::vector<uint8_t> seen;
  if (root->rules()) {
    for (const auto* in : *root->rules()) {
      if (in->matter() >= parts.matters.size() || (in->scope() != kNoNode && in->scope() >= n) ||
          !check_assignee(in->primary()) ||
          uint64_t{in->first_cooperating()} + in->cooperating_count() > input.cooperating.size()) {
        return bad("rule on line " + std::to_string(in->line()) + ": reference out of range");
      }
      Rule r;
      r.matter = in->matter();
      r.scope = in->scope();
      r.primary = Assignee{in->primary()};
      r.first_cooperating = in->first_cooperating();
      r.cooperating_count = in->cooperating_count();
      r.line = in->line();
      r.note = str(in->note());
      input.rules.push_back(std::move(r));
    }
  }
  input.role_units = copy_vector(root->role_units());
  if (input.role_units.size() != size_t{n} * roles) return bad("role table has the wrong size");
  for (UnitId u : input.role_units) {
    if (u != kNoUnit && u >= parts.units.size()) return bad("role table refers to a missing unit");
  }
  parts.responsibility = ResponsibilityIndex(parts.territory, parts.matters.size(), std::move(input));
  std::string error;
  const Territory& t = parts.territory;
  auto is_leaf = [&](uint32_t id) { return id < n && t.is_leaf(id); };
  auto is_zone = [&](uint32_t id) { return id < n && t.is_zone(id); };
  if (!read_index(root->leaf_index(), is_leaf, parts.leaf_index, error)) return bad("leaf index: " + error);
  if (!read_index(root->zone_index(), is_zone, parts.zone_index, error)) return bad("zone index: " + error);
  return std::shared_ptr<const Model>(std::make_shared<Model>(std::move(parts)));
}

}  // namespace whistle
