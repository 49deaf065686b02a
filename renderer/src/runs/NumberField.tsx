import { useState, type KeyboardEvent } from 'react';
import {
  settingField,
  settingSchema,
  valueRule,
  type SettingPath,
} from '../../../core/graph/setting-fields.ts';

export interface NumberFieldProps {
  readonly testId: string;
  readonly label: string;
  readonly value: number | undefined;
  /** The training setting it edits: its schema field gives the bounds and the error sentence. */
  readonly setting: SettingPath;
  readonly onCommit: (value: number | undefined) => void;
  /** What an empty field means ("all samples"), for an optional setting; absent: a value is needed. */
  readonly emptyMeans?: string;
  readonly placeholder?: string;
}

/**
 * A number input that edits a draft and commits on Enter or when it loses focus, so typing
 * "100" is one undoable edit and not three. An invalid value is not committed: the field says
 * why, naming the value, and keeps the draft for correcting; Escape goes back to the saved value.
 */
export function NumberField(props: NumberFieldProps) {
  const { testId, label, value, setting, onCommit, emptyMeans, placeholder } = props;
  const schema = settingSchema(setting);
  const field = settingField(setting);
  const rule = `${valueRule(field)}${emptyMeans ? `, or empty for ${emptyMeans}` : ''}`;
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string>();

  const commit = () => {
    if (draft === null) return;
    const text = draft.trim();
    const next = text === '' ? undefined : Number(text);
    const valid =
      next === undefined ? emptyMeans !== undefined : schema.safeParse(next).success;
    if (!valid) {
      setError(`${label} must be ${rule}; ${text === '' ? 'it is empty' : `'${text}' is not`}.`);
      return;
    }
    setError(undefined);
    setDraft(null);
    if (next !== value) onCommit(next);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') commit();
    if (e.key === 'Escape') {
      setDraft(null);
      setError(undefined);
    }
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
        title={error ?? rule}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={onKeyDown}
      />
      {error && <small className="run-field-error">{error}</small>}
    </label>
  );
}
