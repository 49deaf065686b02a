import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { askWhereStuck } from './stuck-place.ts';

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
