import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { StudioError } from '../../core/problems.ts';

/**
 * The training process' niceness. The app's window and the trainer share the CPU: at equal
 * priority a busy trainer takes half of each core the window needs for a frame, and the charts
 * stutter while they redraw. Lowered, the trainer still gets every cycle the window leaves idle,
 * so on a machine with nothing else to do it trains as fast as before. On Windows, 10 is
 * "below normal".
 */
export const TRAINING_NICENESS = 10;
export const NICENESS_ENV = 'MTS_TRAINING_NICENESS';

/**
 * MTS_TRAINING_NICENESS when set (0 trains at the app's own priority: faster on a machine busy
 * with other work, at the cost of the window's frames), else {@link TRAINING_NICENESS}.
 */
export function trainingNiceness(env: NodeJS.ProcessEnv = process.env): number {
  const given = env[NICENESS_ENV];
  if (given === undefined || given.trim() === '') return TRAINING_NICENESS;
  const niceness = Number(given);
  if (!Number.isInteger(niceness) || niceness < 0 || niceness > 19) {
    throw new StudioError(
      'E_BAD_FLAG',
      `${NICENESS_ENV} must be a whole number from 0 (the app's priority) to 19 (the lowest); got '${given}'.`,
    );
  }
  return niceness;
}

/**
 * Lowers the priority of this process (or `pid`) to `niceness`, never raising it: a host the user
 * started below normal keeps its trainer there. On Linux a nice value belongs to
 * each thread, not to the process: every thread already started (V8's workers, libuv's pool) is
 * lowered one by one, and the threads started later inherit the value from the thread that
 * starts them. Elsewhere the value is the process'. Returns the sentence that says why it could
 * not, or undefined.
 */
export function lowerPriority(niceness = TRAINING_NICENESS, pid = process.pid): string | undefined {
  try {
    const threads =
      process.platform === 'linux' ? readdirSync(`/proc/${pid}/task`).map(Number) : [pid];
    for (const tid of threads) {
      try {
        setPriority(tid, Math.max(getPriority(tid), niceness));
      } catch (e) {
        // A thread that ended since the folder was read is no reason to stop.
        if ((e as { info?: { code?: string } }).info?.code !== 'ESRCH') throw e;
      }
    }
    return undefined;
  } catch (e) {
    return `The training process could not lower its priority to ${niceness}: ${(e as Error).message}`;
  }
}
