import { useEffect, useRef, type ReactNode } from 'react';
import { useUiStore } from './ui-store.ts';

/** A modal over the studio; Escape, the close button or a click outside closes it. */
export function Dialog({
  title,
  testId,
  children,
}: {
  title: string;
  testId: string;
  children: ReactNode;
}) {
  const close = useUiStore((s) => s.closeDialog);
  const closeButton = useRef<HTMLButtonElement>(null);
  useEffect(() => closeButton.current?.focus(), []);
  return (
    <div
      className="studio-dialog-backdrop"
      onMouseDown={(e) => e.target === e.currentTarget && close()}
    >
      <div
        className="studio-dialog"
        role="dialog"
        aria-modal="true"
        aria-label={title}
        data-testid={testId}
      >
        <header className="studio-dialog__head">
          <h2>{title}</h2>
          <button
            ref={closeButton}
            type="button"
            onClick={close}
            title="Close (Escape)"
            data-testid={`${testId}-close`}
          >
            Close
          </button>
        </header>
        <div className="studio-dialog__body">{children}</div>
      </div>
    </div>
  );
}
