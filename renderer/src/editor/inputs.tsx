import { useState, type InputHTMLAttributes, type KeyboardEvent } from 'react';

/**
 * Inspector inputs that keep what the user types: a number field holds "1." or "" while it is
 * typed and passes on each complete number; a commit field passes its text on Enter or blur
 * and goes back on Escape. Both follow the document when it changes underneath (undo).
 */

type Native = Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'type'>;

const asText = (value: unknown) =>
  value === undefined || value === null ? '' : typeof value === 'string' ? value : String(value);

export function NumberInput({
  value,
  onValue,
  ...rest
}: Native & { value: unknown; onValue: (value: number) => void }) {
  const [draft, setDraft] = useState(() => asText(value));
  const [seen, setSeen] = useState(value);
  if (!Object.is(seen, value)) {
    setSeen(value);
    if (draft.trim() === '' || Number(draft) !== value) setDraft(asText(value));
  }
  return (
    <input
      {...rest}
      type="number"
      value={draft}
      onChange={(e) => {
        const text = e.target.value;
        setDraft(text);
        const n = Number(text);
        if (text.trim() !== '' && Number.isFinite(n)) onValue(n);
      }}
    />
  );
}

export function CommitInput({
  value,
  onCommit,
  ...rest
}: Native & { value: string; onCommit: (value: string) => void }) {
  const [draft, setDraft] = useState(value);
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    setDraft(value);
  }
  const commit = () => {
    if (draft !== value) onCommit(draft);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') commit();
    if (e.key === 'Escape') setDraft(value);
  };
  return (
    <input
      {...rest}
      type="text"
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={() => {
        commit();
        // A refused value (a taken id) must not stay in the field looking accepted.
        setDraft(value);
      }}
      onKeyDown={onKeyDown}
    />
  );
}
