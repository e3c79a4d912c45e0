// The traces stage on a data directory (see traces_stage.h).
#include "gr2/train/traces/traces_stage.h"

#include <memory>
#include <vector>

#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/events.h"
#include "gr2/data/slates.h"
#include "gr2/lm/vocabulary.h"
#include "gr2/prompt/prompt_renderer.h"
#include "gr2/sid/sid_table.h"

namespace gr2::train::traces {

TraceRunResult run_traces_stage(const TracesConfig& config, const TracesStageOptions& options) {
  config.validate();
  const DataDir dir{options.data_dir};
  const Catalog catalog = Catalog::read_jsonl(dir.catalog());
  const sid::SidTable sids = sid::read_sids_jsonl(options.sids_path);
  sid::require_unique_sids(sids, options.sids_path);
  const std::vector<Slate> slates = read_slates(dir.slates(SplitPart::Train), &catalog);
  std::vector<Event> train_events;
  if (teacher_needs_train_events(config.teacher)) train_events = read_events(dir.train_events(), &catalog);
  const prompt::PromptRenderer renderer(catalog, sids, config.prompt_options());
  TeacherInputs inputs;
  inputs.catalog = &catalog;
  inputs.train_events = &train_events;
  inputs.renderer = &renderer;
  inputs.device = options.device;
  std::unique_ptr<teachers::Teacher> teacher = make_teacher(config, inputs);

  TraceRunOptions run;
  run.mode = teachers::parse_teach_mode(config.mode);
  run.attempts = config.attempts;
  run.limit = config.limit;
  run.batch = config.batch;
  run.temperature = config.temperature;
  run.show_progress = options.show_progress;
  if (!options.vocab_dir.empty()) {
    auto vocabulary = std::make_shared<lm::Vocabulary>(lm::Vocabulary::load(options.vocab_dir));
    run.count_tokens = [vocabulary](std::string_view text) { return static_cast<int64_t>(vocabulary->encode(text).size()); };
  }
  run.run_info = Json{{"data", options.data_dir},   {"sids", options.sids_path}, {"seed", config.seed},
                      {"max_history", config.max_history}, {"vocab", options.vocab_dir}};
  for (auto it = options.run_info.begin(); it != options.run_info.end(); ++it) run.run_info[it.key()] = it.value();
  return generate_traces(*teacher, slates, options.out_path, run);
}

}  // namespace gr2::train::traces
