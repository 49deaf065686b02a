import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { lowerPriority, TRAINING_NICENESS, trainingNiceness } from './priority.ts';
import { forkTrainingProcess } from './run-supervisor.ts';

const linux = process.platform === 'linux';
const PRIORITY = new URL('./priority.ts', import.meta.url).href;

/** The nice value of every thread of a process: field 19 of /proc/<pid>/task/<tid>/stat. */
function threadNiceness(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // the thread ended
    }
  });
}

/** What a child of this process should end at: never above the priority it inherits. */
const expected = (niceness: number) => Math.max(getPriority(), niceness);

describe.skipIf(!linux)('lowerPriority', () => {
  it('lowers every thread of the process, those started before it and after it', () => {
    // In a process of its own: the test's own process keeps its priority.
    const script = `
      import { Worker } from 'node:worker_threads';
      import { readdirSync, readFileSync } from 'node:fs';
      import { lowerPriority } from ${JSON.stringify(PRIORITY)};
      const idle = 'setInterval(() => {}, 1000)';
      const before = new Worker(idle, { eval: true });
      await new Promise((r) => before.once('online', r));
      const problem = lowerPriority(18);
      const after = new Worker(idle, { eval: true });
      await new Promise((r) => after.once('online', r));
      const nice = readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      });
      process.stdout.write(JSON.stringify({ problem, nice }));
      process.exit(0);
    `;
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    const { problem, nice } = JSON.parse(out) as { problem?: string; nice: number[] };
    expect(problem).toBeUndefined();
    // The main thread, V8's and libuv's, and both workers (each several threads).
    expect(nice.length).toBeGreaterThan(4);
    expect(new Set(nice)).toEqual(new Set([expected(18)]));
  });

  it('is what the training process does as it starts, below the process that forked it', async () => {
    const child = forkTrainingProcess();
    const pid = child.pid!;
    try {
      let nice: number[] = [];
      // TensorFlow.js loads before the process lowers itself: seconds on a busy machine.
      for (let i = 0; i < 240; i++) {
        nice = threadNiceness(pid);
        if (nice.length > 0 && nice.every((n) => n === expected(TRAINING_NICENESS))) break;
        await sleep(250);
      }
      expect(new Set(nice)).toEqual(new Set([expected(TRAINING_NICENESS)]));
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('trainingNiceness', () => {
  it('is 10 unless MTS_TRAINING_NICENESS says otherwise, and names a value it cannot use', () => {
    expect(trainingNiceness({})).toBe(TRAINING_NICENESS);
    expect(trainingNiceness({ MTS_TRAINING_NICENESS: ' ' })).toBe(TRAINING_NICENESS);
    expect(trainingNiceness({ MTS_TRAINING_NICENESS: '0' })).toBe(0);
    expect(trainingNiceness({ MTS_TRAINING_NICENESS: '19' })).toBe(19);
    expect(() => trainingNiceness({ MTS_TRAINING_NICENESS: 'low' })).toThrow(
      "MTS_TRAINING_NICENESS must be a whole number from 0 (the app's priority) to 19 (the lowest); got 'low'.",
    );
    expect(() => trainingNiceness({ MTS_TRAINING_NICENESS: '-5' })).toThrow("got '-5'");
  });
});

describe('lowerPriority of a process that has ended', () => {
  it('says so in a sentence instead of throwing', () => {
    expect(lowerPriority(10, 2 ** 22 + 1)).toMatch(
      /^The training process could not lower its priority to 10: /,
    );
  });
});
