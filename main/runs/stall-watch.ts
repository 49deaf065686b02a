// A training whose step makes no progress — an engine spinning inside WebAssembly, a kernel
// waiting for a thread that never answers — cannot notice it itself: its thread is the one that
// is stuck. Whoever watches it from outside (the run supervisor for the browser host and the
// desktop app, a watchdog thread for the command line) follows its events here and, once nothing
// has moved for the stall timeout, ends it with the sentence made here. The finished epochs are
// on disk already (a checkpoint after every epoch), so ending the process keeps them.
import type { TrainingEvent } from '../../core/contract/training.ts';
import { StudioError } from '../../core/problems.ts';

/** The stall timeout when nothing else is said: no finished batch for this long ends a run. */
export const DEFAULT_STALL_MINUTES = 10;
export const STALL_ENV = 'MTS_STALL_MINUTES';

/**
 * The stall timeout in ms: `flag` (--stall-minutes) or MTS_STALL_MINUTES when set, else the
 * default. Minutes may have a fraction (0.5 is 30 s).
 */
export function stallTimeoutMs(flag?: string, env: NodeJS.ProcessEnv = process.env): number {
  const given = flag ?? env[STALL_ENV];
  if (given === undefined || given.trim() === '') return DEFAULT_STALL_MINUTES * 60_000;
  const minutes = Number(given);
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 10_080) {
    const name = flag !== undefined ? '--stall-minutes' : STALL_ENV;
    throw new StudioError(
      'E_BAD_FLAG',
      `${name} must be a number of minutes above 0 and at most 10080 (a week); got '${given}'.`,
    );
  }
  return Math.round(minutes * 60_000);
}

/** "10 minutes", "1.5 minutes", "2 seconds". */
export function durationText(ms: number): string {
  const [value, unit] = ms >= 60_000 ? [ms / 60_000, 'minute'] : [ms / 1000, 'second'];
  const rounded = Number(value.toFixed(1));
  return `${rounded} ${unit}${rounded === 1 ? '' : 's'}`;
}

/** Where a training is, as its events tell: what a stall sentence names. */
export class TrainingProgress {
  /** Between the run's start and its end: a silence then is a stall. */
  armed = false;
  private epoch: number | undefined;
  private batch = 0;
  private batchesPerEpoch = 0;
  private epochsFinished = 0;

  /**
   * Takes the run's next event: 'progress' when it moved (the watch starts over), 'ended' when
   * training is over (nothing more to watch), 'none' otherwise.
   */
  note(event: TrainingEvent): 'progress' | 'ended' | 'none' {
    switch (event.type) {
      case 'started':
        this.armed = true;
        this.batchesPerEpoch = event.batchesPerEpoch;
        return 'progress';
      case 'batch':
        this.epoch = event.epoch;
        this.batch = event.batch;
        this.batchesPerEpoch = event.batchesPerEpoch;
        // A resumed run starts after its checkpoint's epochs, which are on disk.
        this.epochsFinished = Math.max(this.epochsFinished, event.epoch - 1);
        return 'progress';
      case 'epoch':
        // The next epoch is under way (its first batch, or the checkpoint before it).
        this.epoch = event.epoch + 1;
        this.batch = 0;
        this.epochsFinished = Math.max(this.epochsFinished, event.epoch);
        return 'progress';
      case 'finished':
      case 'stopped':
      case 'failed':
        this.armed = false;
        return 'ended';
      default:
        return event satisfies never;
    }
  }

  /** The sentence that ends a run silent for `ms`, whose folder is `dir`. */
  stallSentence(ms: number, dir: string): string {
    const silent = `Training made no progress for ${durationText(ms)}`;
    if (this.epoch === undefined) {
      return `${silent} before its first batch finished, so it was ended; the epochs it had finished before, if any, are kept in ${dir}.`;
    }
    const where =
      this.batch === 0
        ? `in epoch ${this.epoch} (before its first batch finished)`
        : `in epoch ${this.epoch} (after batch ${this.batch} of ${this.batchesPerEpoch})`;
    if (this.epochsFinished === 0) {
      return `${silent} ${where}, so it was ended before it finished an epoch; there is no model to keep, and the graph and earlier runs are untouched.`;
    }
    const finished =
      this.epochsFinished === 1 ? 'epoch 1 is' : `epochs 1 to ${this.epochsFinished} are`;
    return `${silent} ${where}, so it was ended; the finished ${finished} kept in ${dir}.`;
  }
}
