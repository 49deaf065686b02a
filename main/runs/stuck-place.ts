// Where a stuck process is stuck, asked from a thread of its own. A signal-driven diagnostic
// report (`--report-on-signal`) cannot tell: Node writes it from a JavaScript signal handler,
// which runs on the main thread's event loop, and a main thread spinning in a loop never gets
// there (tried: no report, the process spins on). The inspector can: a worker's session connected
// to the main thread (`connectToMainThread`) is served through V8's interrupt, which V8 checks in
// every JavaScript and WebAssembly loop and inside Atomics.wait, so `Debugger.pause` stops the
// main thread where it is and lists its frames, a WebAssembly function by its name ($name, or its
// export's). Paused there, the main thread's diagnostic report (`process.report.getReport()`)
// interrupts every other worker thread in turn — the engine's helpers, the backend's own
// threads — and gives each one's JavaScript stack, so a helper spinning while the main thread
// waits for it is named too. A thread stuck in native code (a system call, a C++ lock) answers
// no interrupt: the place then says so, and native frames are beyond what either can show.
//
// The code is a script for an eval'd worker (the command line's stall watchdog, the answering
// thread of the app's training processes and of the bench's trainer): the thread that is stuck
// cannot run anything of ours, so everything is done on the worker's side. The paused thread is
// never resumed: whoever asked ends the process. An answer takes 1–2 s on a quiet machine and
// 7–60 s at a load of 10 on 2 cores under `nice -n 19` (the tests' figures), hence the minute.
// Asked mid-epoch (digits-strong, 2 threads), the bench's trainer said: "It was stuck in $func3
// (WebAssembly) ← $gemm (WebAssembly) ← run (parallel.ts) ← run (parallel.ts); other threads:
// $func564 (WebAssembly) ← invokeEntryPoint ← self.onmessage (tfjs-backend-wasm-threaded-simd.
// worker.cjs:1); (anonymous) ([worker eval]:9) …" — the engine's own product, the backend's
// thread inside XNNPACK, the engine's helper between shares; another time, "$Conv2D
// (WebAssembly) ← Module._Conv2D (tfjs-backend-wasm-threaded-simd.js:9)".
import { chmodSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Defines `stuckPlace(timeoutMs, done)` in a worker: calls `done(place)` with one sentence
 * ("It was stuck in … ← …; other threads: …."), within `timeoutMs` (+ a little) at most.
 */
export const STUCK_PLACE_SCRIPT = `
const stuckPlaceFile = (url) => {
  if (url === undefined || url === '') return '';
  const clean = url.replace(/^file:\\/\\//, '').replace(/\\?.*$/, '');
  return clean.slice(clean.lastIndexOf('/') + 1);
};
// One frame as the sentence names it: a WebAssembly function by its name, else function (file:line).
const stuckPlaceFrame = (name, url, line) => {
  if (url !== undefined && url.startsWith('wasm://')) return (name || 'a function') + ' (WebAssembly)';
  const file = stuckPlaceFile(url);
  return (name || '(anonymous)') + (file === '' ? '' : ' (' + file + (line === undefined ? '' : ':' + line) + ')');
};
// A WebAssembly function without a name says nothing once one frame of them is said: the named
// frames under it (tfjs's $Conv2D, Module._Conv2D) do.
const stuckPlaceMeaningful = (frames) =>
  frames.filter((f, i) => i === 0 || !/^\\$func\\d+ \\(WebAssembly\\)$/.test(f));
const stuckPlaceSkipped = (url) => url !== undefined && /^node:|^internal\\//.test(url);
// "at name (url:line:col)" or "at url:line:col", as the diagnostic report writes a stack.
const stuckPlaceReportFrames = (lines) =>
  lines
    .map((l) => /^at (?:(.*?) \\()?(.*?)(?::(\\d+):\\d+)?\\)?$/.exec(l.trim()))
    .filter((m) => m !== null && !stuckPlaceSkipped(m[2]))
    .map((m) => (m[2].startsWith('wasm://') ? stuckPlaceFrame(m[1], m[2]) : stuckPlaceFrame(m[1], m[2], m[3])));
function stuckPlace(timeoutMs, done) {
  const { Session } = require('node:inspector');
  const session = new Session();
  const scripts = new Map();
  let answered = false;
  const answer = (place) => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    done(place);
  };
  // Also keeps this thread alive while it waits: the session's replies are no reason to.
  const timer = setTimeout(
    () => answer('Its main thread did not answer the debugger within ' + Math.round(timeoutMs / 1000) + ' s, so it was stuck in native code (a system call or a lock), where no JavaScript stack can name the place.'),
    timeoutMs,
  );
  try {
    session.connectToMainThread();
  } catch (e) {
    answer('Where it was stuck could not be asked: ' + e.message);
    return;
  }
  // A line of code that was compiled from a source (tsx, the app's bundle) is not the source's:
  // such a script's frames name the file only.
  session.on('Debugger.scriptParsed', (m) =>
    scripts.set(m.params.scriptId, { url: m.params.url, mapped: Boolean(m.params.sourceMapURL) }),
  );
  session.on('Debugger.paused', (m) => {
    const frames = m.params.callFrames
      .map((f) => ({ script: scripts.get(f.location.scriptId) || { url: f.url, mapped: false }, f }))
      .filter(({ script }) => !stuckPlaceSkipped(script.url))
      .map(({ script, f }) =>
        stuckPlaceFrame(f.functionName, script.url, script.mapped ? undefined : f.location.lineNumber + 1),
      );
    const main = stuckPlaceMeaningful(frames).slice(0, 4);
    const here = main.length > 0 ? 'It was stuck in ' + main.join(' ← ') : 'It was stuck outside any named function';
    session.post(
      'Runtime.evaluate',
      { expression: 'JSON.stringify(process.report.getReport().workers.map((w) => w.javascriptStack))' },
      (error, reply) => {
        let others = [];
        try {
          if (error) throw error;
          const counts = new Map();
          for (const stack of JSON.parse(reply.result.value)) {
            // This thread, and any other between two pieces of JavaScript, has no stack.
            if (!Array.isArray(stack.stack) || stack.message === 'No stack.') continue;
            const frames = stuckPlaceMeaningful(stuckPlaceReportFrames(stack.stack)).slice(0, 3);
            if (frames.length === 0) continue;
            const key = frames.join(' ← ');
            counts.set(key, (counts.get(key) || 0) + 1);
          }
          others = [...counts].map(([key, n]) => (n > 1 ? key + ' (' + n + ' threads)' : key));
        } catch {
          others = ['(their stacks could not be read)'];
        }
        answer(here + (others.length > 0 ? '; other threads: ' + others.join('; ') : '') + '.');
      },
    );
  });
  session.post('Debugger.enable', (error) => {
    if (error) answer('Where it was stuck could not be asked: ' + error.message);
    else session.post('Debugger.pause');
  });
}
`;

/** The request file's answer beside it: where the process was when it saw the request. */
export const answerFile = (requestFile: string): string => `${requestFile}.place`;

/**
 * The script of a thread that waits for `requestFile` to appear (polling it four times a second,
 * which costs nothing), then writes where the main thread is stuck into answerFile and to stderr.
 * Whoever watches the process from outside creates the file when it has gone silent, gives it a
 * few seconds, and ends it.
 */
export const ANSWER_WHEN_ASKED_SCRIPT = `
const { workerData } = require('node:worker_threads');
const { existsSync, renameSync, writeFileSync, writeSync } = require('node:fs');
${STUCK_PLACE_SCRIPT}
const { requestFile, answerFile, timeoutMs } = workerData;
const poll = setInterval(() => {
  if (!existsSync(requestFile)) return;
  clearInterval(poll);
  stuckPlace(timeoutMs, (place) => {
    writeSync(2, '\\nstuck: ' + place + '\\n');
    writeFileSync(answerFile + '.tmp', place);
    renameSync(answerFile + '.tmp', answerFile);
  });
}, 250);
`;

/** Starts the thread that answers a request in `requestFile` with where this process is stuck. */
export function answerWhereStuckWhenAsked(requestFile: string, timeoutMs = 60_000): void {
  // Left by an earlier process of the same id, they would be taken for this one's.
  rmSync(requestFile, { force: true });
  rmSync(answerFile(requestFile), { force: true });
  const worker = new Worker(ANSWER_WHEN_ASKED_SCRIPT, {
    eval: true,
    workerData: { requestFile, answerFile: answerFile(requestFile), timeoutMs },
  });
  // It never keeps a process alive that has finished its work.
  worker.unref();
}

/**
 * Asks the process that answers requests in `requestFile` where it is stuck: the sentence, or
 * undefined when no answer came within `waitMs` (a process that does not answer, or is gone).
 */
export async function askWhereStuck(
  requestFile: string,
  waitMs = 65_000,
): Promise<string | undefined> {
  await writeFile(requestFile, '');
  for (let waited = 0; waited < waitMs; waited += 100) {
    try {
      return await readFile(answerFile(requestFile), 'utf8');
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return undefined;
}

/**
 * The folder of the training processes' request and answer files: this user's own, in the
 * temporary folder. Not the temporary folder itself, where every user can write: anyone could
 * then make a file named after a training process and pause its main thread for good, or put a
 * link where its answer goes and have it written over a file of ours. A folder of that name that
 * another user made, or a link, is refused with a sentence (the run then trains unasked).
 */
export function whereFolder(root = tmpdir()): string {
  const uid = process.getuid?.() ?? -1;
  const dir = join(root, `mts-where-${uid >= 0 ? uid : userInfo().username}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || (uid >= 0 && st.uid !== uid)) {
    throw new Error(`${dir} is not a folder of this user's own, so no request is taken there.`);
  }
  // Ours, but left open by an earlier umask or by hand: closed to others before use.
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}

/** The request file of a training process, by its id (training-process.ts answers in it). */
export const whereRequestFile = (pid: number, root?: string): string =>
  join(whereFolder(root), `${pid}`);

/** Asks the training process `pid` where it is stuck, and clears the files that asked. */
export async function askProcessWhereStuck(pid: number): Promise<string | undefined> {
  const request = whereRequestFile(pid);
  try {
    return await askWhereStuck(request);
  } finally {
    await rm(request, { force: true });
    await rm(answerFile(request), { force: true });
  }
}
