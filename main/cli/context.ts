/** What a command may touch, so tests can run commands without a terminal. */
export interface CommandContext {
  out(text: string): void;
  err(text: string): void;
  readonly isTTY: boolean;
  readonly columns: number;
  /** Aborted when the user asks to stop (Ctrl-C once). */
  readonly signal: AbortSignal;
}
