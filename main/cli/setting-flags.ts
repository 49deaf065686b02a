import {
  parseFieldText,
  settingField,
  settingSchema,
  valueRule,
  withSetting,
  type SettingPath,
  type SettingsPatch,
} from '../../core/graph/setting-fields.ts';
import { StudioError } from '../../core/problems.ts';

/**
 * A command-line flag that sets one training setting. The setting's zod field parses and checks
 * the value, so the flag, the run panel and the graph document share one set of bounds. A flag
 * without a value (`--flip`, `--no-cache`) sets a boolean setting to `sets`.
 */
interface SettingFlag {
  readonly setting: SettingPath;
  readonly sets?: boolean;
  /**
   * The flag also turns this boolean setting on, and its value may be left out
   * (`--early-stopping` or `--early-stopping 5`).
   */
  readonly enables?: SettingPath;
}

/**
 * Every flag that sets a training setting. A new setting is one schema field in
 * core/graph/schema.ts plus one row here; a command lists the rows it takes.
 */
export const SETTING_FLAGS = {
  dataset: { setting: 'dataset' },
  epochs: { setting: 'epochs' },
  'batch-size': { setting: 'batchSize' },
  limit: { setting: 'limit' },
  seed: { setting: 'seed' },
  optimizer: { setting: 'optimizer' },
  'learning-rate': { setting: 'learningRate' },
  momentum: { setting: 'momentum' },
  format: { setting: 'datasetOptions.format' },
  'box-units': { setting: 'datasetOptions.boxUnits' },
  'object-choice': { setting: 'datasetOptions.objectChoice' },
  resize: { setting: 'datasetOptions.resize' },
  'val-fraction': { setting: 'datasetOptions.validationFraction' },
  'test-fraction': { setting: 'datasetOptions.testFraction' },
  'bad-rows': { setting: 'datasetOptions.onBadRows' },
  'no-cache': { setting: 'datasetOptions.cache', sets: false },
  attributes: { setting: 'datasetOptions.attributes' },
  'depth-scale': { setting: 'datasetOptions.depthScale' },
  flip: { setting: 'datasetOptions.augment.flip', sets: true },
  shift: { setting: 'datasetOptions.augment.shift' },
  scale: { setting: 'datasetOptions.augment.scale' },
  brightness: { setting: 'datasetOptions.augment.brightness' },
  contrast: { setting: 'datasetOptions.augment.contrast' },
  'initial-weights': { setting: 'initialWeights' },
  'early-stopping': { setting: 'earlyStopping.patience', enables: 'earlyStopping.enabled' },
  monitor: { setting: 'earlyStopping.monitor' },
  'min-delta': { setting: 'earlyStopping.minDelta' },
  'keep-last': { setting: 'earlyStopping.restoreBest', sets: false },
  schedule: { setting: 'schedule.kind' },
  'warmup-epochs': { setting: 'schedule.warmupEpochs' },
  'min-learning-rate': { setting: 'schedule.minLearningRate' },
  'step-epochs': { setting: 'schedule.stepEpochs' },
  'lr-factor': { setting: 'schedule.factor' },
  'lr-patience': { setting: 'schedule.patience' },
  'weight-decay': { setting: 'weightDecay' },
  'clip-norm': { setting: 'clipNorm' },
  'unfreeze-at': { setting: 'unfreezeAt' },
  unfreeze: { setting: 'unfreeze' },
  'unfreeze-lr': { setting: 'unfreezeLearningRate' },
} as const satisfies Record<string, SettingFlag>;

export type SettingFlagName = keyof typeof SETTING_FLAGS;

type ParseOption<F extends SettingFlag> = F extends { sets: boolean }
  ? { readonly type: 'boolean' }
  : { readonly type: 'string' };

/** The parseArgs options of some setting flags. */
export function settingFlagOptions<const N extends SettingFlagName>(
  names: readonly N[],
): { [K in N]: ParseOption<(typeof SETTING_FLAGS)[K]> } {
  return Object.fromEntries(
    names.map((name) => {
      const flag: SettingFlag = SETTING_FLAGS[name];
      return [name, { type: flag.sets === undefined ? 'string' : 'boolean' }];
    }),
  ) as { [K in N]: ParseOption<(typeof SETTING_FLAGS)[K]> };
}

/** One flag's value through its setting's schema, or a sentence naming the flag and its bounds. */
export function readSettingFlag(name: SettingFlagName, value: string | boolean): unknown {
  const flag: SettingFlag = SETTING_FLAGS[name];
  if (flag.sets !== undefined) return flag.sets;
  const field = settingField(flag.setting);
  const parsed =
    typeof value === 'string'
      ? parseFieldText(settingSchema(flag.setting), field, value)
      : undefined;
  if (parsed === undefined && field.pattern && typeof value === 'string') {
    // A text with a form of its own: the schema's sentence says what the form is.
    const issue = settingSchema(flag.setting).safeParse(value).error?.issues[0]?.message;
    throw new StudioError(
      'E_BAD_FLAG',
      `--${name}: ${issue ?? 'not a valid value'}; got '${value}'.`,
    );
  }
  if (parsed === undefined) {
    throw new StudioError(
      'E_BAD_FLAG',
      `--${name} must be ${valueRule(field)}; got '${String(value)}'.`,
    );
  }
  return parsed;
}

/** The settings the given flags set (absent flags set nothing). */
export function readSettingFlags(values: {
  readonly [K in SettingFlagName]?: string | boolean | undefined;
}): SettingsPatch {
  let patch: SettingsPatch = {};
  for (const name of Object.keys(SETTING_FLAGS) as SettingFlagName[]) {
    const value = values[name];
    if (value === undefined || value === false) continue;
    const flag: SettingFlag = SETTING_FLAGS[name];
    if (flag.enables) patch = withSetting(patch, flag.enables, true);
    // A flag whose value may be left out, given without one: only what it enables.
    if (flag.enables && value === '') continue;
    patch = withSetting(patch, flag.setting, readSettingFlag(name, value));
  }
  return patch;
}

/**
 * Command-line words with the value of a flag that may go without one made explicit:
 * `--early-stopping` not followed by a number becomes `--early-stopping=`, so parseArgs, which
 * knows only flags with values or without, reads both forms.
 */
export function withOptionalValues(argv: readonly string[]): string[] {
  const optional = new Set(
    Object.entries(SETTING_FLAGS as Record<string, SettingFlag>)
      .filter(([, flag]) => flag.enables)
      .map(([name]) => `--${name}`),
  );
  return argv.flatMap((word, i) => {
    if (!optional.has(word)) return [word];
    const next = argv[i + 1];
    return next !== undefined && /^\d/.test(next) ? [word] : [`${word}=`];
  });
}
