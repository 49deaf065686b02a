import { describe, expect, it } from 'vitest';
import { inspectDatasetRequestSchema, type DatasetInspection } from '../../core/contract/host.ts';
import { fakeFork } from '../training/fake-utility.ts';
import { createUtilityInspector, INSPECT_SERVICE_NAME } from './inspect-utility.ts';

const inspection = {
  info: { name: '/data/labels.csv', description: 'CSV', fullSize: 3, targets: [] },
} as unknown as DatasetInspection;

const request = (path: string) => inspectDatasetRequestSchema.parse({ path });
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('createUtilityInspector', () => {
  it('inspects in a utility process of its own and answers what it says', async () => {
    const { fork, processes } = fakeFork();
    const inspect = createUtilityInspector(fork, '/app/out/electron/inspect-process.js');
    const answer = inspect(request('/data/labels.csv'));
    const [utility] = processes;
    expect(utility?.modulePath).toBe('/app/out/electron/inspect-process.js');
    expect(utility?.options.serviceName).toBe(INSPECT_SERVICE_NAME);
    expect(utility?.messages[0]).toMatchObject({
      path: '/data/labels.csv',
      options: { resize: 'letterbox', onBadRows: 'skip' },
    });
    utility?.say({ ok: true, inspection });
    await expect(answer).resolves.toBe(inspection);
    utility?.exit(0);
  });

  it("passes the dataset's sentence on", async () => {
    const { fork, processes } = fakeFork();
    const answer = createUtilityInspector(fork, 'entry.js')(request('/nowhere'));
    processes[0]?.say({
      ok: false,
      known: true,
      message: "There is no file or folder at '/nowhere'.",
    });
    await expect(answer).rejects.toThrow("There is no file or folder at '/nowhere'.");
  });

  it('says so when the process ends without an answer (a crash), once', async () => {
    const { fork, processes } = fakeFork();
    const answer = createUtilityInspector(fork, 'entry.js')(request('/data'));
    processes[0]?.exit(1);
    await expect(answer).rejects.toThrow(
      'The dataset inspection ended without an answer (exit code 1).',
    );
    processes[0]?.say({ ok: true, inspection });
    await settle();
  });
});
