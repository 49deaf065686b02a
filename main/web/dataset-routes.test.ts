import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetInspectionSchema } from '../../core/contract/host.ts';
import { writeTinyCsvDataset } from '../app-host/test-dataset.ts';
import { createWebHost, type WebHost } from './web-server.ts';

/** The dataset routes through the real server, inspections in real child processes. */
describe('the dataset routes', () => {
  let host: WebHost;
  let temp: string;
  let datasetsDir: string;

  const api = (path: string, init: RequestInit = {}, token?: string) =>
    fetch(`${host.url}api/${path}`, {
      ...init,
      headers: { 'X-Studio-Token': token ?? host.token, ...(init.headers as object) },
    });
  const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;
  const upload = (name: string, body: Uint8Array) =>
    api(`datasets/upload?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/zip' },
    });

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'mts-dataset-routes-'));
    await mkdir(join(temp, 'static'));
    await writeFile(join(temp, 'static', 'index.html'), '<!doctype html>');
    datasetsDir = join(temp, 'uploaded');
    host = await createWebHost({
      staticDir: join(temp, 'static'),
      runsDir: join(temp, 'runs'),
      datasetsDir,
      examplesDir: fileURLToPath(new URL('../../assets/examples', import.meta.url)),
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await host?.close();
    await rm(temp, { recursive: true, force: true });
  });

  it('answers only with the session token', async () => {
    const inspect = await api('datasets/inspect', { method: 'POST', body: '{}' }, 'wrong');
    expect(inspect.status).toBe(401);
    const uploaded = await upload('a.zip', zipSync({ 'a.txt': strToU8('a') }));
    expect(uploaded.status).toBe(200);
    const refused = await api('datasets/upload?name=a.zip', { method: 'POST', body: 'PK' }, '');
    expect(refused.status).toBe(401);
    expect(await errorOf(refused)).toContain('needs the session token');
  });

  it('says in one sentence what is wrong with an inspection request', async () => {
    const empty = await api('datasets/inspect', { method: 'POST', body: '{}' });
    expect(empty.status).toBe(400);
    expect(await errorOf(empty)).toMatch(/^The inspection request is not valid: path: .+\.$/);
    const bounds = await api('datasets/inspect', {
      method: 'POST',
      body: JSON.stringify({ path: '/x', options: { validationFraction: 3 } }),
    });
    expect(await errorOf(bounds)).toMatch(
      /^The inspection request is not valid: options\.validationFraction: .*0\.5.*\.$/,
    );
    const missing = join(temp, 'nothing-here.csv');
    const absent = await api('datasets/inspect', {
      method: 'POST',
      body: JSON.stringify({ path: missing }),
    });
    expect(absent.status).toBe(400);
    expect(await errorOf(absent)).toContain(missing);
  });

  it('refuses a zip whose entries point outside its folder, keeping nothing', async () => {
    const before = await readdir(datasetsDir).catch(() => []);
    const res = await upload(
      'evil.zip',
      zipSync({ 'ok.csv': strToU8('a'), '../../x.csv': strToU8('b') }),
    );
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toBe(
      "The zip holds the entry '../../x.csv', whose '..' would be written outside the dataset folder; the upload was refused and nothing was kept.",
    );
    expect(await readdir(datasetsDir)).toEqual(before);
    expect(await readdir(temp)).not.toContain('x.csv');
  });

  it('unpacks an uploaded dataset and inspects it: summary, previews and the bad row', async () => {
    const source = join(temp, 'source', 'shapes');
    const made = await writeTinyCsvDataset(source, { images: 30 });
    const files: Record<string, Uint8Array> = {};
    for (const name of [
      'labels.csv',
      ...(await readdir(join(source, 'images'))).map((f) => `images/${f}`),
    ]) {
      files[`shapes/${name}`] = new Uint8Array(await readFile(join(source, name)));
    }
    const res = await upload('Shapes.zip', zipSync(files));
    expect(res.status).toBe(200);
    const { path } = (await res.json()) as { path: string };
    expect(relative(datasetsDir, path)).toMatch(
      /^shapes-[\d-]+-[0-9a-f]{4}[\\/]shapes[\\/]labels\.csv$/,
    );

    const inspected = await api('datasets/inspect', {
      method: 'POST',
      body: JSON.stringify({ path, options: { validationFraction: 0.2, testFraction: 0.1 } }),
    });
    expect(inspected.status).toBe(200);
    const inspection = datasetInspectionSchema.parse(await inspected.json());
    const { images } = inspection.summary;
    expect(images.train + images.validation + images.test).toBe(made.rows);
    expect(inspection.summary.format).toBe('csv');
    expect(inspection.summary.classes.map((c) => c.name).sort()).toEqual([...made.classes].sort());
    expect(inspection.summary.boxes?.count).toBe(made.rows);
    expect(inspection.summary.badRowCounts).toEqual({ 'missing-file': 1 });
    expect(inspection.badRowTotal).toBe(1);
    expect(inspection.badRows[0]?.message).toContain('missing.png');
    expect(inspection.preview.length).toBeGreaterThan(0);
    expect(inspection.preview[0]?.box).toHaveLength(4);
    expect(inspection.info).toMatchObject({ name: path, fullSize: made.rows });
    expect(inspection.info.targets.map((t) => t.kind).sort()).toEqual(['box', 'class', 'objects']);
  });
});
