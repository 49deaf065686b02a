import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { DatasetInspection } from '../../core/contract/host.ts';
import { datasetOptionsSchema } from '../../core/graph/schema.ts';
import { HttpError } from '../web/http-util.ts';
import { createInspectRunner, MAX_INSPECTIONS, type InspectChild } from './inspect-runner.ts';

class FakeChild extends EventEmitter {
  readonly sent: unknown[] = [];
  killed = false;
  send(message: unknown) {
    this.sent.push(message);
    return true;
  }
  kill() {
    this.killed = true;
    return true;
  }
}

function setup() {
  const children: FakeChild[] = [];
  const inspect = createInspectRunner(() => {
    const child = new FakeChild();
    children.push(child);
    return child as unknown as InspectChild;
  });
  return { inspect, children };
}

/** The runner passes the answer on as it is; its shape is the process's business. */
const found = { info: { name: '/d/labels.csv' } } as unknown as DatasetInspection;
const sampleInspection = () => found;

const request = { path: '/d/labels.csv', options: datasetOptionsSchema.parse({}) };
const live = () => new AbortController().signal;

describe('createInspectRunner', () => {
  it('sends the request to a process of its own and answers what it found', async () => {
    const { inspect, children } = setup();
    const answer = inspect(request, live());
    expect(children[0]?.sent).toEqual([request]);
    children[0]?.emit('message', { ok: true, inspection: sampleInspection() });
    await expect(answer).resolves.toEqual(sampleInspection());
  });

  it('answers a sentence about the dataset with 400, and a crash with 500', async () => {
    const { inspect, children } = setup();
    const refused = inspect(request, live());
    children[0]?.emit('message', { ok: false, known: true, message: "There is no file at '/d'." });
    await expect(refused).rejects.toMatchObject({
      status: 400,
      message: "There is no file at '/d'.",
    });
    const crashed = inspect(request, live());
    children[1]?.emit('exit', null, 'SIGSEGV');
    await expect(crashed).rejects.toMatchObject({
      status: 500,
      message: 'The dataset inspection ended without an answer (SIGSEGV).',
    });
  });

  it('kills an abandoned inspection, and runs at most a few at once', async () => {
    const { inspect, children } = setup();
    const page = new AbortController();
    const first = inspect(request, page.signal);
    const others = Array.from({ length: MAX_INSPECTIONS - 1 }, () => inspect(request, live()));
    await expect(inspect(request, live())).rejects.toMatchObject({ status: 429 });
    page.abort();
    await expect(first).rejects.toBeInstanceOf(HttpError);
    expect(children[0]?.killed).toBe(true);
    // The abandoned one's place is free again.
    const again = inspect(request, live());
    children.at(-1)?.emit('message', { ok: true, inspection: sampleInspection() });
    await expect(again).resolves.toBeDefined();
    for (const [i, other] of others.entries()) {
      children[i + 1]?.emit('exit', 1, null);
      await expect(other).rejects.toMatchObject({ status: 500 });
    }
  });
});
