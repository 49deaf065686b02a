/**
 * The thread part of `npm run bench`: the reference model's training rate through the trainer on
 * one thread and on every core, each in its own process (a process starts the WebAssembly backend
 * once), and PyTorch's CPU rate for the same model and batch when /usr/bin/python3 has torch —
 * in alternating rounds, so each side gets its share of a busy machine's quiet and noisy spells.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ChildResult } from './trainer-child.ts';
import { median } from './training-bench.ts';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = join(import.meta.dirname, 'torch-reference.py');
const CHILD = join(import.meta.dirname, 'trainer-child.ts');

export interface ThreadsBenchSettings {
  readonly graphPath: string;
  readonly batchSize: number;
  readonly batches: number;
  readonly epochs: number;
  /** Thread counts to compare, e.g. [1, 2]. */
  readonly threads: readonly number[];
  readonly rounds: number;
}

export interface ThreadsBenchResult {
  /** Per thread count: the backend line and every timed epoch's samples/s over all rounds. */
  readonly ours: ReadonlyMap<number, { description: string; rates: number[] }>;
  /** PyTorch's samples/s over all rounds at the largest thread count, or why there are none. */
  readonly torch: { version: string; threads: number; rates: number[] } | { missing: string };
}

async function ourRates(s: ThreadsBenchSettings, threads: number): Promise<ChildResult> {
  const args = [
    ...process.execArgv,
    CHILD,
    `--graph=${s.graphPath}`,
    `--threads=${threads}`,
    `--batch-size=${s.batchSize}`,
    `--batches=${s.batches}`,
    `--epochs=${s.epochs}`,
  ];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 20 });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as ChildResult;
}

/** Why PyTorch cannot be measured here, or undefined when it can. */
async function torchMissing(): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed`;
  try {
    await run(PYTHON, ['-c', 'import torch']);
    return undefined;
  } catch {
    return `${PYTHON} has no torch (Debian: apt-get install python3-torch)`;
  }
}

async function torchRates(threads: number, batchSize: number) {
  const { stdout } = await run(PYTHON, [TORCH_SCRIPT, String(threads), String(batchSize)]);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as {
    torch: string;
    threads: number;
    rates: number[];
  };
}

export async function threadsBench(s: ThreadsBenchSettings): Promise<ThreadsBenchResult> {
  const ours = new Map<number, { description: string; rates: number[] }>();
  const most = Math.max(...s.threads);
  const missing = await torchMissing();
  const torch = { version: '', threads: most, rates: [] as number[] };
  for (let round = 0; round < s.rounds; round++) {
    for (const threads of s.threads) {
      const child = await ourRates(s, threads);
      const entry = ours.get(threads) ?? { description: child.description, rates: [] };
      entry.rates.push(...child.rates);
      ours.set(threads, entry);
    }
    if (missing === undefined) {
      const t = await torchRates(most, s.batchSize);
      torch.version = t.torch;
      torch.threads = t.threads;
      torch.rates.push(...t.rates);
    }
  }
  return { ours, torch: missing === undefined ? torch : { missing } };
}

const plural = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;

/** The comparison as table rows, then its sentences: the speed-up and the ratio to PyTorch. */
export function threadsReport(r: ThreadsBenchResult): { rows: string[][]; lines: string[] } {
  const rows = [['measure', 'median samples/s', 'epochs (samples/s)']];
  const add = (name: string, rates: readonly number[]) =>
    rows.push([name, median(rates).toFixed(1), rates.map((v) => v.toFixed(1)).join(' ')]);
  const counts = [...r.ours.keys()].sort((a, b) => a - b);
  for (const threads of counts)
    add(`studio trainer, ${plural(threads)}`, r.ours.get(threads)!.rates);
  const lines: string[] = [];
  const fewest = counts[0] ?? 1;
  const most = counts.at(-1) ?? 1;
  const rate = (threads: number) => median(r.ours.get(threads)?.rates ?? []);
  if (most !== fewest) {
    lines.push(
      `Speed-up from ${plural(fewest)} to ${plural(most)}: ${(rate(most) / rate(fewest)).toFixed(2)}×.`,
    );
  }
  if ('missing' in r.torch) {
    lines.push(`PyTorch not measured: ${r.torch.missing}.`);
  } else {
    add(`PyTorch ${r.torch.version} CPU, ${plural(r.torch.threads)}`, r.torch.rates);
    lines.push(
      `Studio / PyTorch at ${plural(most)}: ${(rate(most) / median(r.torch.rates)).toFixed(2)}×.`,
    );
  }
  return { rows, lines };
}
