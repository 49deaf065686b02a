import { useEffect } from 'react';
import { useUiStore } from './ui-store.ts';

/** How long a hint stays: long enough to read two lines. */
const HINT_MS = 8000;

/**
 * The editor's one-line notice: why a file did not open, why a link was refused (kept until
 * dismissed), or a hint on what just happened (gone after a few seconds).
 */
export function Notice() {
  const notice = useUiStore((s) => s.notice);
  const clear = useUiStore((s) => s.clearNotice);
  useEffect(() => {
    if (notice?.tone !== 'hint') return;
    const timer = setTimeout(() => {
      if (useUiStore.getState().notice?.id === notice.id) clear();
    }, HINT_MS);
    return () => clearTimeout(timer);
  }, [notice, clear]);
  if (!notice) return null;
  const hint = notice.tone === 'hint';
  return (
    <div
      className={`studio-notice${hint ? ' studio-notice--hint' : ''}`}
      role={hint ? 'status' : 'alert'}
      data-testid="notice"
      key={notice.id}
    >
      <span className="studio-notice__text">{notice.text}</span>
      <button
        type="button"
        className="studio-notice__close"
        onClick={clear}
        title="Dismiss"
        aria-label="Dismiss"
      >
        ×
      </button>
    </div>
  );
}
