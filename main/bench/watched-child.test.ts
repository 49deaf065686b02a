import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorSentence, twinRows } from './twins-bench.ts';
import {
  askPythonWhereStuck,
  lastJsonLine,
  pythonStuckPlace,
  rerunOnceOnStall,
  rerunSentence,
  Stalled,
} from './watched-child.ts';

const FAKE = join(import.meta.dirname, 'fixtures/fake-side.mjs');
const FAKE_PYTHON = join(import.meta.dirname, 'fixtures/fake-twin.py');
const PLACE = 'It was stuck in spinLikeAKernel (fake-side.mjs:11).';

/**
 * The fake side in `mode`, silent for `silenceMs` at most, saying PLACE when asked. A side that
 * must not stall gets 30 s: Node takes seconds to start on a busy machine at the lowest priority.
 */
const side = (mode: string, silenceMs = 30_000) =>
  lastJsonLine<{ rates: number[] }>(process.execPath, [FAKE, mode], {
    silenceMs,
    where: () => Promise.resolve(PLACE),
  });

describe("a bench side's watched process", () => {
  it('gives its last line, however long it runs while it keeps printing', async () => {
    expect(await side('ok')).toEqual({ rates: [10, 12] });
    // A second of epochs 100 ms apart, each well inside the silence allowed.
    expect(await side('talking')).toEqual({ rates: [10, 12] });
  }, 90_000);

  it('is ended when it prints nothing for the silence limit, spinning or waiting, with where it was', async () => {
    for (const mode of ['spin', 'sleep']) {
      const started = Date.now();
      const stalled = await side(mode, 2000).catch((e: unknown) => e);
      expect(stalled).toBeInstanceOf(Stalled);
      expect((stalled as Stalled).message).toBe(
        'it printed nothing for 2 seconds, so it was ended; it was stuck in spinLikeAKernel (fake-side.mjs:11).',
      );
      expect(Date.now() - started).toBeLessThan(15_000);
    }
  }, 90_000);

  it('says its error when it fails', async () => {
    const failed = await side('fail').catch((e: unknown) => e);
    expect((failed as Error).message).toMatch(
      /^node exited with code 1\n.*Error: the fake side failed/s,
    );
    expect(errorSentence(failed)).toBe('Error: the fake side failed');
  }, 90_000);

  it('is rerun once when it stalled, and the table says so and where', async () => {
    const tries: number[] = [];
    // Stuck the first time only, as the one stall seen in the bench was.
    const { value, stall } = await rerunOnceOnStall((n) => {
      tries.push(n);
      return n === 1 ? side('spin', 2000) : side('ok');
    });
    expect(tries).toEqual([1, 2]);
    expect(value).toEqual({ rates: [10, 12] });
    const sentence = rerunSentence(stall!);
    expect(sentence).toBe(
      'An epoch run printed nothing for 2 seconds, so it was ended and rerun; it was stuck in spinLikeAKernel (fake-side.mjs:11).',
    );
    const rows = twinRows(
      [
        { name: 'studio', label: 'studio trainer', rates: [10, 12], reruns: [sentence] },
        { name: 'keras', label: 'Keras', rates: [], reruns: [], missing: 'its step failed: boom' },
      ],
      1e6,
    );
    expect(rows[1]).toEqual(['studio trainer', '11.0', '0.0', '1.00', `10.0 12.0 ${sentence}`]);
    expect(rows[2]?.[4]).toBe('not measured: its step failed: boom');
  }, 90_000);

  it('is not rerun for an error, nor a second time', async () => {
    let tries = 0;
    await expect(
      rerunOnceOnStall(() => {
        tries++;
        return side('fail');
      }),
    ).rejects.not.toBeInstanceOf(Stalled);
    expect(tries).toBe(1);
    await expect(rerunOnceOnStall(() => side('spin', 2000))).rejects.toBeInstanceOf(Stalled);
  }, 90_000);
});

describe('where a Python side is stuck', () => {
  it("reads faulthandler's dump of the thread that runs the script", () => {
    const dump = [
      'Thread 0x00007f0000000001 (most recent call first):',
      '  File "/usr/lib/python3/threading.py", line 320 in wait',
      '',
      'Current thread 0x00007f0000000002 (most recent call first):',
      '  File "<frozen importlib._bootstrap>", line 241 in _call_with_frames_removed',
      '  File "/x/train.py", line 88 in step',
      '  File "/x/twin-step.py", line 96 in epoch',
      '  File "/x/twin-step.py", line 64 in timed',
      '  File "/x/twin-step.py", line 101 in <module>',
      '  File "/x/twin-step.py", line 1 in <module>',
    ].join('\n');
    expect(pythonStuckPlace(dump, 'twin-step.py')).toBe(
      'It was stuck in step (train.py:88) ← epoch (twin-step.py:96) ← timed (twin-step.py:64) ← <module> (twin-step.py:101).',
    );
    expect(pythonStuckPlace('nothing', 'twin-step.py')).toBeUndefined();
  });

  it('asks a spinning Python process for real', async () => {
    // Python starts in well under the 5 s of silence, faulthandler first.
    const stalled = await lastJsonLine('python3', [FAKE_PYTHON], {
      silenceMs: 5000,
      where: (pid, stderr) => askPythonWhereStuck(pid, stderr, 'fake-twin.py'),
    }).catch((e: unknown) => e);
    expect((stalled as Stalled).place).toMatch(
      /^It was stuck in step \(fake-twin\.py:\d+\) ← epoch \(fake-twin\.py:\d+\) ← <module> \(fake-twin\.py:\d+\)\.$/,
    );
  }, 90_000);
});
