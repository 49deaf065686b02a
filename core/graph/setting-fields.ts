import { z } from 'zod';
import { trainingSettingsSchema, type DatasetOptions, type TrainingSettings } from './schema.ts';
import type { EarlyStoppingSettings, ScheduleSettings } from './training-control.ts';

/** One field of a schema as a form or a flag reads it: type, bounds, one-line doc, default. */
export interface ParamField {
  readonly name: string;
  readonly type: 'integer' | 'number' | 'string' | 'boolean' | 'enum';
  readonly options?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** The bound itself is not allowed (e.g. Dropout's rate < 1). */
  readonly exclusiveMin?: boolean;
  readonly exclusiveMax?: boolean;
  readonly pattern?: string;
  readonly description: string;
  readonly defaultValue: unknown;
}

interface JsonSchemaProperty {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  pattern?: string;
  description?: string;
  default?: unknown;
}

/** zod's JSON Schema gives every integer these bounds; they are not the field's own. */
const NO_BOUND = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

function fieldFromJson(name: string, p: JsonSchemaProperty): ParamField {
  const type = p.enum
    ? 'enum'
    : p.type === 'integer' || p.type === 'number' || p.type === 'boolean'
      ? p.type
      : 'string';
  const min = p.minimum ?? p.exclusiveMinimum;
  const max = p.maximum ?? p.exclusiveMaximum;
  return {
    name,
    type,
    ...(p.enum ? { options: p.enum.map(String) } : {}),
    ...(min !== undefined && !NO_BOUND.has(min)
      ? { min, exclusiveMin: p.exclusiveMinimum !== undefined }
      : {}),
    ...(max !== undefined && !NO_BOUND.has(max)
      ? { max, exclusiveMax: p.exclusiveMaximum !== undefined }
      : {}),
    ...(p.pattern ? { pattern: p.pattern } : {}),
    description: p.description ?? '',
    defaultValue: p.default,
  };
}

/** The flat fields of an object schema (nested objects are left out), in schema order. */
export function schemaFields(objectSchema: z.ZodType): ParamField[] {
  const schema = z.toJSONSchema(objectSchema) as {
    properties?: Record<string, JsonSchemaProperty>;
  };
  return Object.entries(schema.properties ?? {})
    .filter(([, p]) => p.type !== 'object')
    .map(([name, p]) => fieldFromJson(name, p));
}

/** One field schema, described as `schemaFields` describes each field of an object. */
export function fieldOf(name: string, schema: z.ZodType): ParamField {
  return fieldFromJson(name, z.toJSONSchema(schema) as JsonSchemaProperty);
}

/** "1 to 4096", "more than 0, at most 10", "0 to below 1". */
export function boundsText(field: ParamField): string | undefined {
  const { min, max } = field;
  if (min === undefined && max === undefined) return undefined;
  if (min !== undefined && max !== undefined && !field.exclusiveMin && !field.exclusiveMax) {
    return `${min} to ${max}`;
  }
  const parts = [
    min !== undefined && (field.exclusiveMin ? `more than ${min}` : `at least ${min}`),
    max !== undefined && (field.exclusiveMax ? `below ${max}` : `at most ${max}`),
  ].filter(Boolean);
  return parts.join(', ');
}

/** What a valid value is, for error sentences: "a whole number from 1 to 4096", "one of a, b". */
export function valueRule(field: ParamField): string {
  if (field.type === 'enum') return `one of ${(field.options ?? []).join(', ')}`;
  if (field.type === 'boolean') return 'true or false';
  if (field.type === 'string') return 'a text that is not empty';
  const noun = field.type === 'integer' ? 'a whole number' : 'a number';
  const { min, max } = field;
  if (min !== undefined && max !== undefined && !field.exclusiveMin && !field.exclusiveMax) {
    return `${noun} from ${min} to ${max}`;
  }
  const parts = [
    min !== undefined && (field.exclusiveMin ? `above ${min}` : `of at least ${min}`),
    max !== undefined && (field.exclusiveMax ? `below ${max}` : `at most ${max}`),
  ].filter(Boolean);
  return parts.length ? `${noun} ${parts.join(' and ')}` : noun;
}

/** Text typed by a user (a flag's value, a form field) as the field's value, or undefined. */
export function parseFieldText(schema: z.ZodType, field: ParamField, text: string): unknown {
  const trimmed = text.trim();
  let value: unknown = text;
  if (field.type === 'integer' || field.type === 'number') {
    value = trimmed === '' ? Number.NaN : Number(trimmed);
  } else if (field.type === 'boolean') {
    value = trimmed === 'true' ? true : trimmed === 'false' ? false : undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

// ---------- training settings, addressed by path ----------

type OptionKey = Exclude<keyof DatasetOptions, 'augment'>;
type AugmentKey = keyof DatasetOptions['augment'];
/** Settings that are objects of settings, each addressed field by field. */
type GroupKey = 'datasetOptions' | 'earlyStopping' | 'schedule';
/** A training setting, nested ones written with dots: "epochs", "datasetOptions.augment.shift". */
export type SettingPath =
  | Exclude<keyof TrainingSettings, GroupKey>
  | `datasetOptions.${OptionKey}`
  | `datasetOptions.augment.${AugmentKey}`
  | `earlyStopping.${keyof EarlyStoppingSettings}`
  | `schedule.${keyof ScheduleSettings}`;

/** Some training settings, nested ones partial too (what flags or a form change). */
export type SettingsPatch = Partial<Omit<TrainingSettings, GroupKey>> & {
  datasetOptions?: Partial<Omit<DatasetOptions, 'augment'>> & {
    augment?: Partial<DatasetOptions['augment']>;
  };
  earlyStopping?: Partial<EarlyStoppingSettings>;
  schedule?: Partial<ScheduleSettings>;
};

/** Default, prefault and optional wrappers removed: the value's own schema with its bounds. */
function bare(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) {
    s = s.unwrap() as z.ZodType;
  }
  return s;
}

/** The schema of one training setting (no default, not optional): the one place its bounds live. */
export function settingSchema(path: SettingPath): z.ZodType {
  let schema: z.ZodType = trainingSettingsSchema;
  for (const key of path.split('.')) {
    const object = bare(schema);
    if (!(object instanceof z.ZodObject)) throw new Error(`No training setting ${path}.`);
    const next = (object.shape as Record<string, z.ZodType | undefined>)[key];
    if (!next) throw new Error(`No training setting ${path}.`);
    schema = next;
  }
  return bare(schema);
}

const settingFields = new Map<SettingPath, ParamField>();

/** The setting as a field: type, bounds and doc, for forms and error sentences. */
export function settingField(path: SettingPath): ParamField {
  let field = settingFields.get(path);
  if (!field) {
    field = fieldOf(path.split('.').at(-1) ?? path, settingSchema(path));
    settingFields.set(path, field);
  }
  return field;
}

/** The patch with one setting set (a new object; the patch given is not changed). */
export function withSetting(
  patch: SettingsPatch,
  path: SettingPath,
  value: unknown,
): SettingsPatch {
  const set = (
    object: Record<string, unknown>,
    keys: readonly string[],
  ): Record<string, unknown> => {
    const [key, ...rest] = keys as [string, ...string[]];
    if (rest.length === 0) return { ...object, [key]: value };
    return { ...object, [key]: set((object[key] ?? {}) as Record<string, unknown>, rest) };
  };
  return set(patch as Record<string, unknown>, path.split('.')) as SettingsPatch;
}

/** Settings with a patch laid over them, nested dataset options merged field by field. */
export function applySettings(base: TrainingSettings, patch: SettingsPatch): TrainingSettings {
  const { datasetOptions, earlyStopping, schedule, ...top } = patch;
  return {
    ...base,
    ...top,
    datasetOptions: {
      ...base.datasetOptions,
      ...datasetOptions,
      augment: { ...base.datasetOptions.augment, ...datasetOptions?.augment },
    },
    earlyStopping: { ...base.earlyStopping, ...earlyStopping },
    schedule: { ...base.schedule, ...schedule },
  };
}
