import type { CommandContext } from './context.ts';
import { runCli } from './index.ts';

/** Runs the command line in this process, as a non-TTY terminal would, and keeps what it printed. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx: CommandContext = {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTTY: false,
    columns: 100,
    signal: new AbortController().signal,
  };
  const code = await runCli(argv, ctx);
  return { code, out, err };
}
