import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  askWhereStuck,
  STUCK_PLACE_SCRIPT,
  whereFolder,
  whereRequestFile,
} from './stuck-place.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures/stuck-process.ts');

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Where the fixture says it is stuck, asked once it is. */
async function placeOf(mode: 'wasm' | 'js' | 'helper'): Promise<string | undefined> {
  dir = mkdtempSync(join(tmpdir(), 'mts-stuck-'));
  const request = join(dir, 'where');
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, request, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    // Well inside its loop, optimised code and all.
    await new Promise((resolve) => setTimeout(resolve, 300));
    return await askWhereStuck(request);
  } finally {
    child.kill('SIGKILL');
  }
}

describe('where a process is stuck', () => {
  it('names the WebAssembly function a main thread spins in, and its callers', async () => {
    expect(await placeOf('wasm')).toMatch(
      /^It was stuck in \$spinKernel \(WebAssembly\) ← spinInWebAssembly \(spin-kernel\.ts\) ← /,
    );
  }, 120_000);

  it('names the JavaScript function a main thread spins in', async () => {
    expect(await placeOf('js')).toMatch(/^It was stuck in spinInJavaScript \(stuck-process\.ts\) ← /);
  }, 120_000);

  it('names a worker thread spinning while the main thread waits for it', async () => {
    const place = await placeOf('helper');
    expect(place).toMatch(/^It was stuck in waitForHelper \(stuck-process\.ts\) ← .*; other threads: /);
    expect(place).toMatch(
      /; other threads: (.*; )?\$spinKernel \(WebAssembly\) ← helperShare \(\[worker eval\]:\d+\)/,
    );
  }, 120_000);
});

describe("the stack of a thread, as the diagnostic report writes it", () => {
  // The worker's script, its frame helpers taken out to try them here.
  const frames = new Function(
    'require',
    `${STUCK_PLACE_SCRIPT}; return (lines) => stuckPlaceMeaningful(stuckPlaceReportFrames(lines));`,
  )(() => ({})) as (lines: string[]) => string[];

  it('names its frames, one unnamed WebAssembly function at most, and skips Node\'s own', () => {
    expect(
      frames([
        'at $func564 (wasm://wasm/01b2c3d4:wasm-function[564]:0x1234)',
        'at $func528 (wasm://wasm/01b2c3d4:wasm-function[528]:0x99)',
        'at $Conv2D (wasm://wasm/01b2c3d4:wasm-function[90]:0x9)',
        'at invokeEntryPoint (file:///x/tfjs-backend-wasm-threaded-simd.worker.js:9:100)',
        'at [worker eval]:9:12',
        'at runScriptInThisContext (node:internal/vm:209:10)',
      ]),
    ).toEqual([
      '$func564 (WebAssembly)',
      '$Conv2D (WebAssembly)',
      'invokeEntryPoint (tfjs-backend-wasm-threaded-simd.worker.js:9)',
      '(anonymous) ([worker eval]:9)',
    ]);
  });
});

describe("the training processes' request folder", () => {
  const root = () => (dir = mkdtempSync(join(tmpdir(), 'mts-where-root-')));
  const posix = process.platform !== 'win32';

  it.skipIf(!posix)('is a folder only this user can enter, in the temporary folder', () => {
    const made = whereFolder(root());
    expect(made.startsWith(dir)).toBe(true);
    expect(statSync(made).mode & 0o777).toBe(0o700);
    expect(whereRequestFile(42, dir)).toBe(join(made, '42'));
  });

  it.skipIf(!posix)('closes a folder of ours that was left open to others', () => {
    const open = join(root(), `mts-where-${process.getuid?.()}`);
    mkdirSync(open, { mode: 0o777 });
    chmodSync(open, 0o777);
    whereFolder(dir);
    expect(statSync(open).mode & 0o777).toBe(0o700);
  });

  it.skipIf(!posix)('refuses a link put where the folder goes', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'mts-where-target-'));
    try {
      symlinkSync(elsewhere, join(root(), `mts-where-${process.getuid?.()}`));
      expect(() => whereFolder(dir)).toThrow(/not a folder of this user's own/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  // Only root can make a folder another user owns.
  it.skipIf(!posix || process.getuid?.() !== 0)('refuses a folder another user made', () => {
    const theirs = join(root(), 'mts-where-0');
    mkdirSync(theirs, { mode: 0o700 });
    chownSync(theirs, 65534, 65534);
    expect(() => whereFolder(dir)).toThrow(/not a folder of this user's own/);
  });
});
