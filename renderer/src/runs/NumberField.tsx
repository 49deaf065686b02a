import { useEffect, useState, type KeyboardEvent } from 'react';
import type { z } from 'zod';
import {
  fieldOf,
  settingField,
  settingSchema,
  valueRule,
  type SettingPath,
} from '../../../core/graph/setting-fields.ts';
import { useRunStore } from './run-store.ts';

export interface NumberFieldProps {
  readonly testId: string;
  readonly label: string;
  readonly value: number | undefined;
  /**
   * The training setting it edits: its schema field gives the bounds and the error sentence. A
   * value that is no setting path of its own (a balancing method's parameter) names its schema.
   */
  readonly setting: SettingPath | FieldSource;
  readonly onCommit: (value: number | undefined) => void;
  /** What an empty field means ("all samples"), for an optional setting; absent: a value is needed. */
  readonly emptyMeans?: string;
  readonly placeholder?: string;
}

/** A field's zod schema (no default) and its name, for values outside the setting paths. */
export interface FieldSource {
  readonly name: string;
  readonly schema: z.ZodType;
}

const schemaOf = (s: SettingPath | FieldSource) =>
  typeof s === 'string' ? settingSchema(s) : s.schema;
const fieldFor = (s: SettingPath | FieldSource) =>
  typeof s === 'string' ? settingField(s) : fieldOf(s.name, s.schema);

/** The sentence for a draft that is not a valid value of the setting, or undefined when it is. */
export function draftError(
  { label, setting, emptyMeans }: Pick<NumberFieldProps, 'label' | 'setting' | 'emptyMeans'>,
  draft: string,
): string | undefined {
  const text = draft.trim();
  const next = text === '' ? undefined : Number(text);
  const valid =
    next === undefined ? emptyMeans !== undefined : schemaOf(setting).safeParse(next).success;
  if (valid) return undefined;
  const rule = `${valueRule(fieldFor(setting))}${emptyMeans ? `, or empty for ${emptyMeans}` : ''}`;
  return `${label} must be ${rule}; ${text === '' ? 'it is empty' : `'${text}' is not`}.`;
}

/**
 * A number input that edits a draft and commits on Enter or when it loses focus, so typing
 * "100" is one undoable edit and not three. A value that is not valid is never committed: the
 * field says why as it is typed, naming the value, keeps the draft for correcting, and tells the
 * run store, so Start waits until it is fixed; Escape goes back to the saved value.
 */
export function NumberField(props: NumberFieldProps) {
  const { testId, label, value, setting, onCommit, emptyMeans, placeholder } = props;
  const field = fieldFor(setting);
  const [draft, setDraft] = useState<string | null>(null);
  const error = draft === null ? undefined : draftError({ label, setting, emptyMeans }, draft);
  const setInvalid = useRunStore((s) => s.setInvalidSetting);
  useEffect(() => setInvalid(testId, error), [setInvalid, testId, error]);
  useEffect(() => () => setInvalid(testId, undefined), [setInvalid, testId]);

  const commit = () => {
    if (draft === null || error !== undefined) return;
    const text = draft.trim();
    const next = text === '' ? undefined : Number(text);
    setDraft(null);
    if (next !== value) onCommit(next);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') commit();
    if (e.key === 'Escape') setDraft(null);
  };

  return (
    <label className="run-field">
      <span>{label}</span>
      <input
        data-testid={testId}
        type="number"
        step={field.type === 'integer' ? '1' : 'any'}
        value={draft ?? (value === undefined ? '' : String(value))}
        placeholder={placeholder}
        aria-invalid={error !== undefined}
        aria-describedby={error ? `${testId}-error` : undefined}
        title={error ?? `${field.description ? `${field.description} ` : ''}(${valueRule(field)})`}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={onKeyDown}
      />
      {error && (
        <small className="run-field-error" id={`${testId}-error`}>
          {error}
        </small>
      )}
    </label>
  );
}
