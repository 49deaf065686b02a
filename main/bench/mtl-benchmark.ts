import { benchMtlCommand } from './mtl-benchmark-command.ts';

/** `npm run bench:mtl`: the benchmark (mtl-benchmark-command.ts) with the terminal as its context. */
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
benchMtlCommand(process.argv.slice(2), {
  out: (text: string) => process.stdout.write(text),
  err: (text: string) => process.stderr.write(text),
  isTTY: false,
  columns: 120,
  signal: controller.signal,
}).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
