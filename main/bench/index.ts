import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_NAMES } from '../../core/contract/training.ts';
import { parseGraphDocument } from '../../core/graph/load.ts';
import { choiceFlag, intFlag, parseCommandArgs } from '../cli/args.ts';
import { readSettingFlags, settingFlagOptions } from '../cli/setting-flags.ts';
import { table } from '../cli/format.ts';
import { describeBackend, initBackend, releaseBackend } from '../engine/backend.ts';
import { withPlacement } from '../engine/kernel-placement.ts';
import { MAX_WASM_THREADS, defaultWasmThreads } from '../engine/wasm/threads.ts';
import { stallTimeoutMs } from '../runs/stall-watch.ts';
import { benchDataset } from './bench-data.ts';
import { balancingBench } from './balancing-bench.ts';
import { importBench } from './import-bench.ts';
import { kernelProfile, profileRows } from './kernel-profile.ts';
import { threadsBench, threadsReport } from './threads-bench.ts';
import {
  bareLoopThroughput,
  forwardThroughput,
  median,
  trainerThroughput,
  withoutProbes,
} from './training-bench.ts';
import { TEMPLATES } from './twins-bench.ts';
import { twinsSection } from './twins-section.ts';
import { webgpuSection } from './webgpu-bench.ts';

/**
 * `npm run bench`: training throughput of the Keras reference model at batch 32 through the
 * trainer, against a bare loop of the same steps and against inference, measured side by side
 * in one process on the backend this machine gets. Medians of the timed epochs. Then the twin
 * table of every shipped template (twins-section.ts); `--template a,b --rounds N` runs only that,
 * and `--smoke` runs every path once at the smallest size. `--stall-minutes M` is how long a
 * twin's process may print nothing before it is ended and rerun (twinSilenceMs when not given).
 */
async function main(): Promise<void> {
  const { values } = parseCommandArgs('bench', process.argv.slice(2), {
    batches: { type: 'string' },
    epochs: { type: 'string' },
    ...settingFlagOptions(['batch-size']),
    backend: { type: 'string' },
    graph: { type: 'string' },
    'no-import': { type: 'boolean' },
    'import-only': { type: 'boolean' },
    threads: { type: 'string' },
    'no-compare': { type: 'boolean' },
    'no-balancing': { type: 'boolean' },
    'balancing-only': { type: 'boolean' },
    template: { type: 'string' },
    rounds: { type: 'string' },
    'no-twins': { type: 'boolean' },
    'stall-minutes': { type: 'string' },
    smoke: { type: 'boolean' },
  } as const);
  // --smoke: every path once at the smallest size, to check it runs (its figures mean nothing).
  const smoke = values.smoke === true;
  const chosenBatchSize =
    readSettingFlags({ 'batch-size': values['batch-size'] }).batchSize ?? (smoke ? 2 : undefined);
  const batchSize = chosenBatchSize ?? 32;
  const rounds = intFlag('rounds', values.rounds, 1) ?? (smoke ? 1 : 2);
  const batches = intFlag('batches', values.batches, 1) ?? (smoke ? 1 : 6);
  const epochs = intFlag('epochs', values.epochs, 1) ?? (smoke ? 1 : 3);
  const graphPath =
    values.graph ?? join(import.meta.dirname, '../../assets/examples/keras-reference.graph.json');
  // Timed as a full-size run trains: see withoutProbes.
  const graph = withoutProbes(parseGraphDocument(readFileSync(graphPath, 'utf8')));
  const threads = intFlag('threads', values.threads, 1, MAX_WASM_THREADS) ?? defaultWasmThreads();
  const backend = await initBackend(choiceFlag('backend', values.backend, BACKEND_NAMES), {
    threads,
  });
  // How long a twin's process may print nothing before it is asked where it is stuck and rerun.
  const silenceMs =
    values['stall-minutes'] !== undefined ? stallTimeoutMs(values['stall-minutes']) : undefined;
  const twins = async (templates: readonly string[]) =>
    process.stdout.write(
      `\n${await twinsSection({ templates, backend, threads, batchSize: chosenBatchSize, batches, epochs, rounds, silenceMs })}\n`,
    );
  if (values.template !== undefined) {
    // One template (or a comma list) quickly: its twin table and profile alone.
    process.stdout.write(`Backend: ${describeBackend(backend)}\nNode ${process.version}\n`);
    await twins(values.template.split(',').map((t) => t.trim()));
    return;
  }
  const dataset = benchDataset(graph, batches, batchSize);
  const settings = { graph, dataset, backend, batchSize, epochs };

  process.stdout.write(
    `Benchmark: ${graph.name}, batch ${batchSize}, ${dataset.splits.train.size} samples an epoch, 2 alternating rounds of 1 warm-up + ${epochs} timed epochs, trunk-gradient probes off (per epoch; the balancing table times them)\n` +
      `Backend: ${describeBackend(backend)}\n` +
      `Node ${process.version}, ${process.platform} ${process.arch}\n\n`,
  );
  if (values['balancing-only'] || (!values['import-only'] && !values['no-balancing'])) {
    process.stdout.write(`Balancing methods (trainer, trunk probes off):\n`);
    process.stdout.write(`${await balancingBench(settings)}\n`);
    if (values['balancing-only']) return;
  }
  if (!values['import-only']) {
    const rows: string[][] = [['measure', 'median samples/s', 'epochs (samples/s)']];
    const add = (name: string, rates: number[]) => {
      rows.push([name, median(rates).toFixed(1), rates.map((r) => r.toFixed(1)).join(' ')]);
      return median(rates);
    };
    // Alternated, so neither side gets the process's later warm-up or the machine's quieter spell.
    const bareRates: number[] = [];
    const trainerRates: number[] = [];
    for (let round = 0; round < 2; round++) {
      bareRates.push(...(await bareLoopThroughput(settings)));
      trainerRates.push(...(await trainerThroughput(settings)));
    }
    const bare = add('bare training loop', bareRates);
    const trainer = add('trainer (per-task losses, metrics, events)', trainerRates);
    add('inference only', await forwardThroughput(settings));
    process.stdout.write(`${table(rows, [1])}\n\n`);
    process.stdout.write(
      `Trainer overhead against the bare loop: ${(((bare - trainer) / bare) * 100).toFixed(1)}% (trainer/bare = ${(trainer / bare).toFixed(3)})\n`,
    );
    const profile = await kernelProfile(settings, batches);
    const placed = withPlacement(backend, profile.calls);
    process.stdout.write(
      `\nBackend of this step: ${placed.name}: ${placed.description}` +
        `\nWhere a training step goes (${backend.name}, ${profile.steps} profiled steps, ${profile.stepMs.toFixed(0)} ms a step), slowest kernels first:\n` +
        `${table(profileRows(profile), [1, 2, 3])}\n`,
    );
    if (backend.name === 'wasm' && !values['no-compare']) {
      const compared = [...new Set([1, threads])];
      process.stdout.write(
        `\nThreads and PyTorch: the trainer on ${compared.join(' and ')} thread(s), each in its own process, and PyTorch beside it, 2 alternating rounds of 1 warm-up + ${epochs} timed epochs:\n`,
      );
      const report = threadsReport(
        await threadsBench({ graphPath, batchSize, batches, epochs, threads: compared, rounds: 2 }),
      );
      process.stdout.write(`${table(report.rows, [1])}\n${report.lines.join('\n')}\n`);
    }
    process.stdout.write(`\n${await webgpuSection(settings)}\n`);
    if (!values['no-twins']) await twins(TEMPLATES);
  }
  if (values['no-import']) return;

  process.stdout.write(
    `\nImported photos: ${batches * batchSize} training JPEGs of 640×480 → letterboxed to the Input, 2 alternating rounds\n`,
  );
  const imported = await importBench({
    graph,
    backend,
    batchSize,
    epochs,
    train: batches * batchSize,
  });
  const importRows: string[][] = [['measure', 'median', 'runs']];
  const addImport = (name: string, rates: number[], unit: string) => {
    importRows.push([
      name,
      `${median(rates).toFixed(1)} ${unit}`,
      rates.map((r) => r.toFixed(1)).join(' '),
    ]);
    return median(rates);
  };
  const decode = addImport('decode + resize alone', imported.decodeRates, 'images/s');
  const decoding = addImport('trainer, decoding every epoch', imported.decodingRates, 'samples/s');
  const cached = addImport('trainer, images from the cache', imported.cachedRates, 'samples/s');
  const wait = addImport(
    'waiting for data, decoding every epoch',
    imported.waitShares.map((w) => w * 100),
    '% of the epoch',
  );
  process.stdout.write(`${table(importRows, [1])}\n\n`);
  process.stdout.write(
    `Import check: ${imported.checkMsPerImage.toFixed(1)} ms an image (${imported.images} images).\n` +
      `Decoding is ${(decode / cached).toFixed(1)}× the training rate; training while decoding runs at ${(decoding / cached).toFixed(3)} of the cached rate, waiting for data ${wait.toFixed(1)}% of the time (the rest is the two sharing the CPU).\n`,
  );
}

await main();
// A GPU device keeps the process alive until it is released.
await releaseBackend();
