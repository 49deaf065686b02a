import type { DatasetReport, EventOf, TrainingEvent } from '../../core/contract/training.ts';
import { backgroundLine } from '../../core/detection/objects-line.ts';
import { compactMetrics, duration, fixed, inline } from './format.ts';

export interface ProgressOutput {
  write(text: string): void;
  /** Terminal control (return to the line start, clear it), never escaped. */
  control(code: string): void;
  readonly isTTY: boolean;
  readonly columns: number;
}

const BAR = 24;
/** Back to the start of the line and clear it, for the live bar. */
const CLEAR_LINE = '\r\x1b[2K';

/**
 * Human progress for `train`: a live bar with each task's loss, samples/s and ETA on a terminal,
 * one line per epoch always (so logs piped to a file stay readable).
 */
export function createProgressPrinter(out: ProgressOutput): (event: TrainingEvent) => void {
  let live = false;
  const clearLive = () => {
    if (live) out.control(CLEAR_LINE);
    live = false;
  };
  return (event) => {
    switch (event.type) {
      case 'started': {
        const s = event.dataset.sizes;
        out.write(
          `Training ${event.tasks.map((t) => `'${t.task}'`).join(', ')} on ${inline(event.dataset.name)} (${s.train} train / ${s.validation} validation / ${s.test} test), ${event.epochs} epochs of ${event.batchesPerEpoch} batches of ${event.batchSize}\n` +
            `Backend: ${event.backend.name}, ${event.backend.description}\n` +
            event.backend.fallbacks.map((f) => `  not ${f.backend}: ${f.reason}\n`).join('') +
            (event.dataset.report ? datasetReportLines(event.dataset.report) : ''),
        );
        return;
      }
      case 'batch': {
        if (!out.isTTY) return;
        const done = Math.round((event.batch / event.batchesPerEpoch) * BAR);
        const tasks = Object.entries(event.tasks)
          .map(([t, l]) => `${t} ${fixed(l, 3)}`)
          .join(' ');
        const line = `epoch ${event.epoch} [${'#'.repeat(done)}${'.'.repeat(BAR - done)}] ${event.batch}/${event.batchesPerEpoch} loss ${fixed(event.loss, 3)} (${tasks}) ${event.samplesPerSec.toFixed(1)} samples/s ETA ${duration(event.etaSeconds)}`;
        out.control(CLEAR_LINE);
        out.write(line.slice(0, Math.max(out.columns - 1, 40)));
        live = true;
        return;
      }
      case 'epoch':
        clearLive();
        out.write(
          `epoch ${event.epoch}/${event.epochs}  ${duration(event.seconds)}  ${event.samplesPerSec.toFixed(1)} samples/s${epochNotes(event)}\n` +
            `  train  loss ${fixed(event.train.loss)}  ${compactMetrics(event.train)}\n` +
            `  val    loss ${fixed(event.val.loss)}  ${compactMetrics(event.val)}\n`,
        );
        return;
      case 'finished':
        clearLive();
        out.write(`Finished ${event.epochs} epochs in ${duration(event.seconds)}.\n`);
        return;
      case 'stopped':
        clearLive();
        out.write(
          `Stopped in epoch ${event.epoch} after batch ${event.batch}; ${event.epochsCompleted} epochs were complete.\n`,
        );
        return;
      case 'failed':
        clearLive();
        out.write(`Training failed: ${inline(event.message)}\n`);
        return;
    }
  };
}

/** What the check of an imported dataset found, in a few lines before training starts. */
export function datasetReportLines(report: DatasetReport): string {
  const split =
    report.splitFrom === 'data' ? 'split as the data says' : 'split by ratio, stratified by class';
  const lines = [`Dataset: ${report.format} at ${inline(report.source)}, ${split}`];
  if (report.multiObjectImages > 0) {
    lines.push(
      `  ${report.multiObjectImages} images have several objects; the heads learn the ${report.objectChoice} one`,
    );
  }
  if (report.background) {
    lines.push(
      `  ${backgroundLine(report.background, report.background.kept ? 'kept' : 'left-out')}`,
    );
  }
  if (report.dropped + report.fixed > 0) {
    const kinds = Object.entries(report.badRows)
      .map(([kind, n]) => `${n} ${kind}`)
      .join(', ');
    lines.push(`  ${report.dropped} rows or images skipped, ${report.fixed} repaired (${kinds})`);
    for (const m of report.firstMessages) lines.push(`    ${inline(m)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** What slowed or thinned an epoch, when anything did: waiting for images, unreadable ones. */
function epochNotes(event: EventOf<'epoch'>): string {
  const notes: string[] = [];
  const busy = event.train.samples / Math.max(event.samplesPerSec, 1e-9);
  const wait = event.dataWaitSeconds ?? 0;
  if (wait > 0.5 && wait / busy > 0.05) {
    notes.push(`${Math.round((wait / busy) * 100)}% of it waiting for images`);
  }
  if (event.unreadable) notes.push(`${event.unreadable} unreadable images left out so far`);
  return notes.length > 0 ? `  (${notes.join('; ')})` : '';
}
