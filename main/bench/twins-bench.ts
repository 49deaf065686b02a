/**
 * `npm run bench`'s twin table: each template trained by the studio's trainer and by the same
 * graph's own exports — the PyTorch project's train.py step (PyTorch 2.13 from the reference
 * environment and Debian's 1.13) and the Keras model's fit step (Keras 3 on TensorFlow CPU) — each
 * side in its own process, in alternating rounds, so every side gets its share of a busy machine's
 * quiet and noisy spells. The exports make the twins exact by construction.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseGraphDocument } from '../../core/graph/load.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { compileGraph } from '../engine/compile.ts';
import { saveModel } from '../engine/model-io.ts';
import { exportRunFiles, writeExportFolder } from '../export/index.ts';
import { PYTHON, REFERENCE_PYTHON } from '../export/python-paths.ts';
import { GRAPH_FILE, MODEL_DIR } from '../runs/run-manifest.ts';
import { askWhereStuck } from '../runs/stuck-place.ts';
import type { ChildResult } from './trainer-child.ts';
import { median } from './training-bench.ts';
import {
  askPythonWhereStuck,
  lastJsonLine,
  rerunOnceOnStall,
  rerunSentence,
  Stalled,
} from './watched-child.ts';

const run = promisify(execFile);
const TWIN_STEP = join(import.meta.dirname, 'twin-step.py');
const CHILD = join(import.meta.dirname, 'trainer-child.ts');
export const EXAMPLES = join(import.meta.dirname, '../../assets/examples');

/** The shipped templates the table covers by default, by file name without `.graph.json`. */
export const TEMPLATES = [
  'keras-reference',
  'digits-strong',
  'digits-compact',
  'shapes-three-tasks',
  'multidigits-lenet',
  'multidigits-mmoe',
  'multidigits-cross-stitch',
  'multidigits-mtan',
  'digits-scenes-detect',
  'digits-scenes-multitask',
  'scenes-unet',
] as const;

export const templatePath = (name: string): string => join(EXAMPLES, `${name}.graph.json`);

export const readTemplate = (name: string): GraphDocument => {
  const path = templatePath(name);
  if (!existsSync(path)) {
    throw new Error(
      `There is no template '${name}' in assets/examples; the templates are ${TEMPLATES.join(', ')}.`,
    );
  }
  return parseGraphDocument(readFileSync(path, 'utf8'));
};

interface Side {
  readonly name: string;
  /** The studio's product tiles, where the side is the studio. */
  readonly tiles?: 'fma' | 'plain';
  readonly python?: string;
  readonly framework?: 'torch' | 'keras';
  readonly module?: string;
}

const SIDES: readonly Side[] = [
  { name: 'studio', tiles: 'fma' },
  { name: 'studio-plain', tiles: 'plain' },
  { name: 'pytorch-2', python: REFERENCE_PYTHON, framework: 'torch', module: 'torch, PIL' },
  { name: 'pytorch-debian', python: PYTHON, framework: 'torch', module: 'torch, PIL' },
  { name: 'keras', python: REFERENCE_PYTHON, framework: 'keras', module: 'keras' },
];

export interface TwinSide {
  readonly name: string;
  /** "studio trainer (WebAssembly …)", "PyTorch 2.13.0+cpu", "Keras 3.15.1 / TensorFlow 2.21.0". */
  label: string;
  readonly rates: number[];
  /** Why this side was not measured. */
  missing?: string;
  /** A sentence for each run that stalled and was rerun. */
  readonly reruns: string[];
}

export interface TwinSettings {
  readonly template: string;
  readonly threads: number;
  readonly batchSize: number;
  readonly batches: number;
  readonly epochs: number;
  readonly rounds: number;
  /** How long a side's process may print nothing (it prints after every epoch); twinSilenceMs. */
  readonly silenceMs?: number;
}

/**
 * The silence that ends a side's process when nothing else is said: 2 minutes for its start and
 * its first epoch's extra work (TensorFlow takes 20 s to import on a busy machine, a graph's
 * tracing as long again) and 30 s a batch of an epoch: 5 minutes at the bench's full size of 6
 * batches, where the slowest template's epoch takes well under one.
 */
export const twinSilenceMs = (batches: number): number => 120_000 + 30_000 * batches;

const missingExport = (e: Exported): string | undefined => ('missing' in e ? e.missing : undefined);

async function missingPython(side: Side): Promise<string | undefined> {
  if (side.python === undefined) return undefined;
  if (!existsSync(side.python)) {
    return side.python === REFERENCE_PYTHON
      ? 'the reference Python (.venv-ref) is absent; run `bash scripts/reference-python.sh`'
      : `${side.python} is not installed`;
  }
  try {
    await run(side.python, ['-c', `import ${side.module}, numpy`]);
    return undefined;
  } catch {
    return `${side.python} cannot import ${side.module}`;
  }
}

/** Each twin's export folder, or the one sentence saying why the graph has no such export. */
type Exported = { readonly dir: string } | { readonly missing: string };

/** A run folder with the graph's freshly initialised model, and its PyTorch and Keras exports. */
export async function writeExports(graph: GraphDocument, root: string) {
  const runDir = join(root, 'run');
  const { model } = compileGraph(graph);
  await mkdir(runDir, { recursive: true });
  await saveModel(model, join(runDir, MODEL_DIR));
  model.dispose();
  await writeFile(join(runDir, GRAPH_FILE), JSON.stringify(graph));
  const folder = async (format: 'pytorch' | 'keras'): Promise<Exported> => {
    try {
      const files = await exportRunFiles(runDir, { format, checkpoint: 'best' });
      return { dir: await writeExportFolder(join(root, format), files) };
    } catch (e) {
      // A format that refuses the graph (Keras has no detection heads) leaves its rows unmeasured.
      return { missing: `the export refused the graph: ${(e as Error).message}` };
    }
  };
  return { torch: await folder('pytorch'), keras: await folder('keras') };
}

/**
 * The line of a failed process's output that says what went wrong (Node's and Python's last
 * "…Error: …" line), not the whole stderr, which can hold a minified script.
 */
export function errorSentence(e: unknown): string {
  const lines = (e as Error).message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l.length < 500);
  const errors = lines.filter((l) => /^[\w.]*(Error|Exception)\b.*:/.test(l));
  return errors.at(-1) ?? lines.at(-1) ?? 'no output';
}

/** Every side's samples/s for one template, `rounds` alternating rounds of each. */
export async function twinsBench(s: TwinSettings): Promise<TwinSide[]> {
  const graph = readTemplate(s.template);
  const root = await mkdtemp(join(tmpdir(), 'mts-twins-'));
  try {
    const dirs = await writeExports(graph, root);
    const sides: TwinSide[] = [];
    for (const side of SIDES)
      sides.push({
        name: side.name,
        label: side.name,
        rates: [],
        reruns: [],
        missing:
          side.framework === undefined
            ? undefined
            : (missingExport(dirs[side.framework]) ?? (await missingPython(side))),
      });
    const shape = [String(s.threads), String(s.batchSize), String(s.batches), String(s.epochs)];
    const silenceMs = s.silenceMs ?? twinSilenceMs(s.batches);
    let asked = 0;
    for (let round = 0; round < s.rounds; round++) {
      for (const [i, side] of SIDES.entries()) {
        const out = sides[i]!;
        if (out.missing !== undefined) continue;
        const exported = side.framework === undefined ? undefined : dirs[side.framework];
        if (exported !== undefined && !('dir' in exported)) continue;
        try {
          const { value, stall } = await rerunOnceOnStall(async () => {
            if (exported === undefined) {
              // The trainer answers a request in this file with where it is stuck.
              const request = join(root, `where-${++asked}`);
              const child = await lastJsonLine<ChildResult>(
                process.execPath,
                [
                  ...process.execArgv,
                  CHILD,
                  `--graph=${templatePath(s.template)}`,
                  `--threads=${s.threads}`,
                  `--batch-size=${s.batchSize}`,
                  `--batches=${s.batches}`,
                  `--epochs=${s.epochs}`,
                  `--tiles=${side.tiles}`,
                  `--where=${request}`,
                ],
                { silenceMs, where: () => askWhereStuck(request) },
              );
              const tiles = child.fma ? 'FMA product tiles' : 'plain product tiles';
              return {
                label: `studio trainer, ${tiles}, ${child.description}`,
                rates: child.rates,
              };
            }
            const r = await lastJsonLine<{ version: string; threads: number; rates: number[] }>(
              side.python!,
              [TWIN_STEP, side.framework!, exported.dir, ...shape],
              {
                silenceMs,
                where: (pid, stderr) => askPythonWhereStuck(pid, stderr, 'twin-step.py'),
              },
            );
            return {
              label: `${r.version}, ${r.threads} thread${r.threads === 1 ? '' : 's'}`,
              rates: r.rates,
            };
          });
          out.label = value.label;
          out.rates.push(...value.rates);
          if (stall !== undefined) out.reruns.push(rerunSentence(stall));
        } catch (e) {
          // This side's rows say why; the other sides and templates are measured on.
          const what = side.framework === undefined ? 'its run' : 'its step';
          out.missing =
            e instanceof Stalled
              ? `${what} stalled twice: ${e.message}`
              : `${what} failed: ${errorSentence(e)}`;
        }
      }
    }
    return sides;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** The table rows: each side's median, its epochs, GFLOP/s and the studio's ratio to it. */
export function twinRows(sides: readonly TwinSide[], flopsPerSample: number): string[][] {
  const rows = [['side', 'median samples/s', 'GFLOP/s', 'studio ÷ side', 'epochs (samples/s)']];
  const studio = median(sides.find((x) => x.name === 'studio')?.rates ?? []);
  for (const side of sides) {
    if (side.missing !== undefined || side.rates.length === 0) {
      const why = `not measured: ${side.missing ?? 'no epochs'}`;
      rows.push([side.label, '—', '—', '—', [why, ...side.reruns].join(' ')]);
      continue;
    }
    const m = median(side.rates);
    rows.push([
      side.label,
      m.toFixed(1),
      ((m * flopsPerSample) / 1e9).toFixed(1),
      side.name === 'studio' ? '1.00' : (studio / m).toFixed(2),
      [side.rates.map((r) => r.toFixed(1)).join(' '), ...side.reruns].join(' '),
    ]);
  }
  return rows;
}
