import { StudioError } from '../../core/problems.ts';
import { releaseBackend } from '../engine/backend.ts';
import { fileErrorSentence, isFileError } from '../fs/file-errors.ts';
import { cocoEvalCommand } from './coco-eval.ts';
import type { CommandContext } from './context.ts';
import { inline, printable } from './format.ts';
import { datasetCommand } from './dataset.ts';
import { datasetsCommand } from './datasets.ts';
import { evaluateCommand } from './evaluate.ts';
import { exportCommand } from './export.ts';
import { importCommand } from './import.ts';
import { HELP } from './help.ts';
import { summaryCommand } from './summary.ts';
import { sweepCommand } from './sweep.ts';
import { trainCommand } from './train.ts';

const COMMANDS: Record<string, (argv: readonly string[], ctx: CommandContext) => Promise<number>> =
  {
    summary: summaryCommand,
    train: trainCommand,
    sweep: sweepCommand,
    evaluate: evaluateCommand,
    'coco-eval': cocoEvalCommand,
    export: exportCommand,
    import: importCommand,
    datasets: datasetsCommand,
    dataset: datasetCommand,
  };

/** Runs one command; every expected failure becomes one sentence on stderr and exit code 1. */
export async function runCli(argv: readonly string[], terminal: CommandContext): Promise<number> {
  // The one place output is made safe for a terminal: every command's text goes through here.
  const ctx: CommandContext = {
    ...terminal,
    out: (text) => terminal.out(printable(text)),
    err: (text) => terminal.err(printable(text)),
  };
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    ctx.out(HELP);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    ctx.err(
      `error: There is no command '${name}'; the commands are ${Object.keys(COMMANDS).join(', ')}.\n`,
    );
    return 2;
  }
  try {
    return await command(rest, ctx);
  } catch (e) {
    if (e instanceof StudioError) {
      ctx.err(`error: ${inline(e.message)}\n`);
      return e.code === 'E_BAD_FLAG' ? 2 : 1;
    }
    // A file the command could not read or write, wherever it was met: a sentence, no errno.
    if (isFileError(e)) {
      ctx.err(`error: ${inline(fileErrorSentence(e))}\n`);
      return 1;
    }
    // Anything else is our bug; the sentence still comes first, the stack only on request.
    ctx.err(`error: ${inline((e as Error).message ?? String(e))}\n`);
    if (process.env.MTS_DEBUG) ctx.err(`${(e as Error).stack ?? ''}\n`);
    return 1;
  }
}

async function main(): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  let stoppedWith: number | undefined;
  // Ctrl-C, a kill or a closed terminal: stop after the current batch and keep the run folder
  // (marked stopped, every finished epoch kept); the same signal again quits at once. Either
  // way the exit code is the shell's 128 + the signal's number, so a script can tell a stopped
  // run from a finished one.
  const exitCodes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
  for (const signal of Object.keys(exitCodes) as (keyof typeof exitCodes)[]) {
    process.on(signal, () => {
      interrupts++;
      stoppedWith ??= exitCodes[signal];
      if (interrupts > 1) process.exit(exitCodes[signal]);
      const again = signal === 'SIGINT' ? 'Ctrl-C' : signal;
      process.stderr.write(`\nStopping after the current batch (${again} again to quit now)…\n`);
      controller.abort();
    });
  }
  const code = await runCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    control: (code) => process.stdout.write(code),
    isTTY: Boolean(process.stdout.isTTY),
    columns: process.stdout.columns ?? 100,
    signal: controller.signal,
  });
  // A GPU device keeps the process alive until it is released.
  await releaseBackend();
  process.exitCode = stoppedWith ?? code;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
