/** What a command may touch, so tests can run commands without a terminal. */
export interface CommandContext {
  /** Text for stdout; control characters in it are shown escaped (names and ids come from files). */
  out(text: string): void;
  err(text: string): void;
  /** Terminal control codes for the live progress line, written as they are; absent off a terminal. */
  control?(code: string): void;
  readonly isTTY: boolean;
  readonly columns: number;
  /** Aborted when the user asks to stop (Ctrl-C once). */
  readonly signal: AbortSignal;
}
