/**
 * A bench side's process, watched for silence. Each side prints a line after every epoch, so a
 * process that prints nothing for the silence limit is stuck (one studio trainer once spun at
 * 100 % of a core for 8 minutes and took the whole twin table with it). It is asked where it is
 * stuck — the studio's trainer through its answering thread (runs/stuck-place.ts), Python through
 * faulthandler's dump of every thread on SIGUSR1 — then ended, and its round is run once more.
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { durationText } from '../runs/stall-watch.ts';

/** A run that printed nothing for `silenceMs`; `place` says where it was stuck, when it could. */
export class Stalled extends Error {
  constructor(
    readonly silenceMs: number,
    readonly place: string | undefined,
  ) {
    super(
      `it printed nothing for ${durationText(silenceMs)}, so it was ended; ${placeText(place)}`,
    );
  }
}

const placeText = (place: string | undefined) => {
  const s = place ?? 'Where it was stuck could not be asked.';
  return s.charAt(0).toLowerCase() + s.slice(1);
};

export interface SilenceWatch {
  /** No output on stdout or stderr for this long is a stall. */
  readonly silenceMs: number;
  /**
   * Asks the silent process where it is stuck, given its pid and its stderr so far; it is ended
   * right after. Undefined when it cannot say.
   */
  readonly where?: (pid: number, stderr: () => string) => Promise<string | undefined>;
}

/** What a process keeps of its output: the tail, which holds the result and the error. */
const KEEP = 1 << 22;

/** Runs `file args` and parses its stdout's last line, ending it with Stalled when it goes silent. */
export function lastJsonLine<T>(
  file: string,
  args: readonly string[],
  watch: SilenceWatch,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = spawn(file, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const listen = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void stall(), watch.silenceMs);
    };
    const stall = async () => {
      stalled = true;
      let place: string | undefined;
      try {
        place = child.pid === undefined ? undefined : await watch.where?.(child.pid, () => stderr);
      } catch {
        place = undefined;
      }
      child.kill('SIGKILL');
      reject(new Stalled(watch.silenceMs, place));
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout = (stdout + chunk).slice(-KEEP);
      if (!stalled) listen();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-KEEP);
      if (!stalled) listen();
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      if (!stalled) reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (stalled) return;
      if (code !== 0) {
        const how = signal !== null ? `was ended by ${signal}` : `exited with code ${code}`;
        reject(new Error(`${basename(file)} ${how}\n${stderr}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T);
      } catch {
        reject(new Error(`${basename(file)} printed no result\n${stderr}`));
      }
    });
    listen();
  });
}

/** Runs `attempt`, and once more if it stalled: the value, and the stall that was rerun. */
export async function rerunOnceOnStall<T>(
  attempt: (tries: number) => Promise<T>,
): Promise<{ readonly value: T; readonly stall?: Stalled }> {
  try {
    return { value: await attempt(1) };
  } catch (e) {
    if (!(e instanceof Stalled)) throw e;
    return { value: await attempt(2), stall: e };
  }
}

/** The table's sentence for a side whose run stalled and was rerun. */
export const rerunSentence = (stall: Stalled): string =>
  `An epoch run printed nothing for ${durationText(stall.silenceMs)}, so it was ended and rerun; ${placeText(stall.place)}`;

/**
 * Where a Python process is stuck, from faulthandler's dump of its threads ("Current thread 0x…
 * (most recent call first):" and a `File "…", line N in f` line a frame): the thread that runs
 * `script`, its innermost frames first.
 */
export function pythonStuckPlace(dump: string, script: string): string | undefined {
  const threads = dump
    .split(/^(?=(?:Current thread|Thread) 0x[0-9a-f]+ )/m)
    .filter((t) => /^(?:Current thread|Thread) 0x/.test(t));
  const ours = threads.filter((t) => t.includes(script));
  const thread =
    ours.find((t) => t.startsWith('Current thread')) ?? ours[0] ?? threads.at(-1) ?? '';
  const frames = [...thread.matchAll(/^ {2}File "(.*)", line (\d+) in (.*)$/gm)]
    // Python's own import machinery says nothing of what is being done.
    .filter(([, file]) => !file!.startsWith('<frozen '))
    .slice(0, 4)
    .map(([, file, line, fn]) => `${fn} (${basename(file!)}:${line})`);
  return frames.length > 0 ? `It was stuck in ${frames.join(' ← ')}.` : undefined;
}

/** Asks a Python process with faulthandler registered on SIGUSR1 where it is stuck. */
export async function askPythonWhereStuck(
  pid: number,
  stderr: () => string,
  script: string,
  waitMs = 10_000,
): Promise<string | undefined> {
  const before = stderr().length;
  process.kill(pid, 'SIGUSR1');
  for (let waited = 0; waited < waitMs; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const dump = stderr().slice(before);
    // The dump is written at once, from the signal handler; a moment more for the pipe.
    if (/most recent call first/.test(dump)) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return pythonStuckPlace(stderr().slice(before), script);
    }
  }
  return undefined;
}
