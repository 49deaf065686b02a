import { useUiStore } from './ui-store.ts';

/** The editor's one-line notice: why a file did not open, why a link was refused. */
export function Notice() {
  const notice = useUiStore((s) => s.notice);
  const clear = useUiStore((s) => s.clearNotice);
  if (!notice) return null;
  return (
    <div className="studio-notice" role="alert" data-testid="notice" key={notice.id}>
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
