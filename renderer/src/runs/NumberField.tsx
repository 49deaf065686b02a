import { useState, type KeyboardEvent } from 'react';

export interface NumberFieldProps {
  readonly testId: string;
  readonly label: string;
  readonly value: number | undefined;
  /** What a valid value is, for the error sentence: "a whole number from 1 to 4096". */
  readonly rule: string;
  readonly isValid: (value: number | undefined) => boolean;
  readonly onCommit: (value: number | undefined) => void;
  /** Empty means "no value" (the field is optional). */
  readonly optional?: boolean;
  readonly placeholder?: string;
  readonly step?: string;
}

/**
 * A number input that edits a draft and commits on Enter or when it loses focus, so typing
 * "100" is one undoable edit and not three. An invalid value is not committed: the field says
 * why, naming the value, and keeps the draft for correcting; Escape goes back to the saved value.
 */
export function NumberField(props: NumberFieldProps) {
  const { testId, label, value, rule, isValid, onCommit, optional, placeholder, step } = props;
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string>();

  const commit = () => {
    if (draft === null) return;
    const text = draft.trim();
    const next = text === '' ? undefined : Number(text);
    const valid =
      (text !== '' || optional === true) &&
      (next === undefined || Number.isFinite(next)) &&
      isValid(next);
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
        step={step ?? 'any'}
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
