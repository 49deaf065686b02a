import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostWithFakeChildren } from './test-web-host.ts';
import type { WebHost } from './web-server.ts';

/** The page hands the server a Keras file it opened; the server reads its model config. */
describe('the model file route', () => {
  let host: WebHost;
  let temp: string;

  const read = (name: string, body: Uint8Array, token = host.token) =>
    fetch(`${host.url}api/models/read?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      body,
      headers: { 'X-Studio-Token': token, 'Content-Type': 'application/octet-stream' },
    });

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'mts-model-route-'));
    await mkdir(join(temp, 'static'));
    await writeFile(join(temp, 'static', 'index.html'), '<!doctype html>');
    host = await hostWithFakeChildren(
      { staticDir: join(temp, 'static'), runsDir: join(temp, 'runs') },
      [],
    );
  });
  afterAll(async () => {
    await host?.close();
    await rm(temp, { recursive: true, force: true });
  });

  it("answers a .keras file's config", async () => {
    const config = await readFile(
      new URL('../export/fixtures/keras3-functional.config.json', import.meta.url),
    );
    const res = await read('two.keras', zipSync({ 'config.json': new Uint8Array(config) }));
    expect(res.status).toBe(200);
    const { model } = (await res.json()) as { model: { class_name: string } };
    expect(model.class_name).toBe('Functional');
  });

  it('says in one sentence what the file is not, and needs the token', async () => {
    const bad = await read('notes.h5', strToU8('hello'));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe(
      'notes.h5 is neither a Keras 3 .keras file (a zip) nor a legacy .h5 file (HDF5).',
    );
    const onnx = await read('x.onnx', strToU8('hello'));
    expect(onnx.status).toBe(400);
    expect(((await onnx.json()) as { error: string }).error).toMatch(
      /^x\.onnx (is not an ONNX model|holds no ONNX graph)/,
    );
    expect((await read('a.keras', strToU8('PK'), 'wrong')).status).toBe(401);
  });
});
