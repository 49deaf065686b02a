// The stall watch of a training that runs in this process (the command line trains in its own
// process, not in a child the run supervisor could end). The thread that trains cannot watch
// itself — stuck, it is the one spinning — so a small thread of its own does: the training thread
// counts every step of progress in a shared counter, and hands over the sentence that would end
// the run if nothing came after it. If the counter stays still for the stall timeout, the watchdog
// asks where the training thread is stuck (stuck-place.ts), writes the sentence and the place to
// stderr, marks run.json as failed with them, as the run supervisor marks a run whose process it
// ended, and kills the process: its JavaScript handlers would never run, and
// the epochs it finished are already on disk.
import { join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { TrainingEvent } from '../../core/contract/training.ts';
import { RUN_FILE } from './run-folder.ts';
import { TrainingProgress } from './stall-watch.ts';
import { STUCK_PLACE_SCRIPT } from './stuck-place.ts';

// The shared counter: progress so far, then a flag set when the watch is over.
const [BEATS, CLOSED] = [0, 1];

/**
 * How long the watchdog waits for the debugger to say where the training thread is: a second or
 * two on a quiet machine, 30 s and more on a loaded one at the lowest priority (tried: a load of
 * 11 on 2 cores, `nice -n 19`), which is little beside the minutes of the stall itself.
 */
const PLACE_TIMEOUT_MS = 60_000;

/** The watchdog's script; it needs nothing from the training thread but the counter and the port. */
const WATCHDOG = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { readFileSync, renameSync, writeFileSync, writeSync } = require('node:fs');
${STUCK_PLACE_SCRIPT}
const { beats, port, timeoutMs, runFile } = workerData;
const counter = new Int32Array(beats);
let seen = Atomics.load(counter, ${BEATS});
let latest;
let stalled;
for (;;) {
  const waited = Atomics.wait(counter, ${BEATS}, seen, timeoutMs);
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
    latest = m.message;
  }
  if (Atomics.load(counter, ${CLOSED}) !== 0) break;
  const now = Atomics.load(counter, ${BEATS});
  if (now !== seen || waited !== 'timed-out') {
    seen = now;
    continue;
  }
  if (latest === undefined || !latest.armed) continue;
  stalled = latest;
  break;
}
// The sentence says where the training thread was stuck, as the debugger finds it.
if (stalled !== undefined) stuckPlace(${PLACE_TIMEOUT_MS}, (place) => end(stalled.sentence + ' ' + place));
function end(sentence) {
  // Synchronous writes only: stderr of a worker goes through the training thread, which is stuck.
  writeSync(2, '\\nerror: ' + sentence + '\\n');
  try {
    const manifest = JSON.parse(readFileSync(runFile, 'utf8'));
    if (manifest.status === 'running') {
      const temp = runFile + '.' + process.pid + '.tmp';
      writeFileSync(temp, JSON.stringify({ ...manifest, status: 'failed', message: sentence }, null, 2) + '\\n');
      renameSync(temp, runFile);
    }
  } catch {
    // The sentence is out; a run.json that cannot be read or written stays as it was.
  }
  process.kill(process.pid, 'SIGKILL');
}
`;

export interface StallWatchdog {
  /** Every event of the training, in order. */
  note(event: TrainingEvent): void;
  /** Ends the watch (and its thread). */
  close(): void;
}

/** Watches the training in this process, whose run folder is `dir`, from a thread of its own. */
export function watchFromAnotherThread(options: {
  readonly timeoutMs: number;
  readonly dir: string;
}): StallWatchdog {
  const { timeoutMs, dir } = options;
  const progress = new TrainingProgress();
  const counter = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WATCHDOG, {
    eval: true,
    workerData: {
      beats: counter.buffer,
      port: port2,
      timeoutMs,
      runFile: join(dir, RUN_FILE),
    },
    transferList: [port2],
  });
  // The watch never keeps a process alive that has finished its work.
  worker.unref();
  port1.unref();
  const beat = () => {
    Atomics.add(counter, BEATS, 1);
    Atomics.notify(counter, BEATS);
  };
  return {
    note(event) {
      if (progress.note(event) === 'none') return;
      port1.postMessage({
        armed: progress.armed,
        sentence: progress.stallSentence(timeoutMs, dir),
      });
      beat();
    },
    close() {
      Atomics.store(counter, CLOSED, 1);
      beat();
      port1.close();
    },
  };
}
