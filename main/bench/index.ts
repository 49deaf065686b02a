import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_NAMES } from '../../core/contract/training.ts';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import { parseGraphDocument } from '../../core/graph/load.ts';
import { choiceFlag, intFlag, parseCommandArgs } from '../cli/args.ts';
import { readSettingFlags, settingFlagOptions } from '../cli/setting-flags.ts';
import { table } from '../cli/format.ts';
import { describeBackend, initBackend, releaseBackend } from '../engine/backend.ts';
import type { DatasetSplit } from '../datasets/types.ts';
import { loadBuiltInForGraph } from '../runs/dataset-for-run.ts';
import { importBench } from './import-bench.ts';
import {
  bareLoopThroughput,
  forwardThroughput,
  median,
  trainerThroughput,
} from './training-bench.ts';
import { webgpuSection } from './webgpu-bench.ts';

/**
 * `npm run bench`: training throughput of the Keras reference model at batch 32 through the
 * trainer, against a bare loop of the same steps and against inference, measured side by side
 * in one process on the backend this machine gets. Medians of the timed epochs.
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
  } as const);
  const batchSize = readSettingFlags({ 'batch-size': values['batch-size'] }).batchSize ?? 32;
  const batches = intFlag('batches', values.batches, 1) ?? 6;
  const epochs = intFlag('epochs', values.epochs, 1) ?? 3;
  const graphPath =
    values.graph ?? join(import.meta.dirname, '../../assets/examples/keras-reference.graph.json');
  const graph = parseGraphDocument(readFileSync(graphPath, 'utf8'));
  const backend = await initBackend(choiceFlag('backend', values.backend, BACKEND_NAMES));
  // Enough samples for the 80/10/10 split, then exactly `batches` full batches of training.
  const limit = Math.ceil((batches * batchSize) / 0.8) + 2;
  const loaded = loadBuiltInForGraph(analyzeGraph(graph), {
    name: graph.training.dataset,
    seed: 1,
    limit,
  });
  const dataset = {
    ...loaded,
    splits: { ...loaded.splits, train: firstSamples(loaded.splits.train, batches * batchSize) },
  };
  const settings = { graph, dataset, backend, batchSize, epochs };

  process.stdout.write(
    `Benchmark: ${graph.name}, batch ${batchSize}, ${dataset.splits.train.size} samples an epoch, 2 alternating rounds of 1 warm-up + ${epochs} timed epochs\n` +
      `Backend: ${describeBackend(backend)}\n` +
      `Node ${process.version}, ${process.platform} ${process.arch}\n\n`,
  );
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
    process.stdout.write(`\n${await webgpuSection(settings)}\n`);
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

function firstSamples(split: DatasetSplit, n: number): DatasetSplit {
  const pixels = split.images.length / split.size;
  const targets = Object.fromEntries(
    Object.entries(split.targets).map(([name, values]) => [
      name,
      values.subarray(0, (values.length / split.size) * n),
    ]),
  );
  return { size: n, images: split.images.subarray(0, n * pixels), targets };
}

await main();
// A GPU device keeps the process alive until it is released.
await releaseBackend();
