import {
  augmentSettingsSchema,
  datasetOptionsSchema,
  IMPORT_FORMAT_NAMES,
  type DatasetOptions,
  type GraphDocument,
  type TrainingSettings,
} from '../../../core/graph/schema.ts';
import { updateTraining } from '../graph/commands.ts';
import { schemaFields, type ParamField } from '../../../core/graph/setting-fields.ts';

/** What the import dialog edits: where the dataset is and how it is read. */
export interface ImportDraft {
  readonly path: string;
  readonly options: DatasetOptions;
}

export const defaultDatasetOptions = (): DatasetOptions => datasetOptionsSchema.parse({});

/** The format field's value for "detect it from the path". */
export const AUTO_FORMAT = 'auto';

/** One option of the form: `augment.*` keys edit the augmentation settings. */
export interface OptionField extends ParamField {
  readonly key: string;
}

/**
 * The dataset options as form fields, in schema order, each with its bounds and one-line doc
 * from `datasetOptionsSchema`; the optional format gets an explicit "auto".
 */
export function optionFields(): readonly OptionField[] {
  const top = schemaFields(datasetOptionsSchema).map((field): OptionField =>
    field.name === 'format'
      ? { ...field, key: 'format', options: [AUTO_FORMAT, ...IMPORT_FORMAT_NAMES] }
      : { ...field, key: field.name },
  );
  const augment = schemaFields(augmentSettingsSchema).map((field): OptionField => ({
    ...field,
    key: `augment.${field.name}`,
  }));
  return [...top, ...augment];
}

/** The value a field shows. */
export function optionValue(options: DatasetOptions, key: string): unknown {
  if (key === 'format') return options.format ?? AUTO_FORMAT;
  if (key.startsWith('augment.')) {
    return options.augment[key.slice('augment.'.length) as keyof DatasetOptions['augment']];
  }
  return options[key as keyof DatasetOptions];
}

/** The options with one field changed; "auto" removes the format. Not validated here. */
export function withOption(options: DatasetOptions, key: string, value: unknown): DatasetOptions {
  if (key === 'format') {
    const rest: DatasetOptions = { ...options };
    delete rest.format;
    return value === AUTO_FORMAT ? rest : { ...rest, format: value as DatasetOptions['format'] };
  }
  if (key.startsWith('augment.')) {
    return { ...options, augment: { ...options.augment, [key.slice('augment.'.length)]: value } };
  }
  return { ...options, [key]: value };
}

/** The fields whose value the schema refuses, by form key ("validationFraction", "augment.shift"). */
export function invalidOptionKeys(options: DatasetOptions): ReadonlySet<string> {
  const parsed = datasetOptionsSchema.safeParse(options);
  if (parsed.success) return new Set();
  return new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.')));
}

/** Whether two drafts ask for the same inspection, whatever order their keys are in. */
export function sameDraft(a: ImportDraft, b: ImportDraft): boolean {
  const canonical = (value: unknown): unknown =>
    value && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value)
            .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
            .map(([k, v]) => [k, canonical(v)]),
        )
      : value;
  return (
    a.path === b.path &&
    JSON.stringify(canonical(a.options)) === JSON.stringify(canonical(b.options))
  );
}

/**
 * Where the dialog starts: the graph's own dataset and options when it trains on an imported
 * one, else an empty path with the graph's options (defaults for a graph that never imported).
 */
export function draftFromTraining(
  training: Pick<TrainingSettings, 'dataset' | 'datasetOptions'>,
  builtInNames: readonly string[],
): ImportDraft {
  const imported = !builtInNames.includes(training.dataset);
  return { path: imported ? training.dataset : '', options: training.datasetOptions };
}

/** The graph trains on the dataset at `draft.path`, read with `draft.options`: one undo step. */
export const applyImportedDataset = (doc: GraphDocument, draft: ImportDraft): GraphDocument =>
  updateTraining(doc, { dataset: draft.path, datasetOptions: draft.options });

/** A dataset as a menu shows it: a built-in's name, or the last two parts of a path. */
export function datasetLabel(name: string): string {
  const parts = name.split(/[\\/]/).filter(Boolean);
  return parts.length > 2 ? `…/${parts.slice(-2).join('/')}` : name;
}
