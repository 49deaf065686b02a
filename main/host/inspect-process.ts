/**
 * One dataset inspection in its own process, for the browser host: reading a large CSV or COCO
 * file and checking every image keeps a process busy for seconds, which the server's event loop
 * (and the libuv threads its file reads share with image decoding) must not be. Receives one
 * InspectDatasetRequest, answers one InspectOutcome, exits.
 */
import { inspectDatasetRequestSchema } from '../../core/contract/host.ts';
import { StudioError } from '../../core/problems.ts';
import { inspectForHost } from '../datasets/import/inspection.ts';
import type { InspectOutcome } from './inspect-runner.ts';

const answer = (outcome: InspectOutcome) =>
  new Promise<void>((done) => {
    if (!process.send) return done();
    process.send(outcome, undefined, {}, () => done());
  });

process.once('message', (message: unknown) => {
  void (async () => {
    const parsed = inspectDatasetRequestSchema.safeParse(message);
    if (!parsed.success) {
      await answer({ ok: false, known: false, message: 'The inspection request was not valid.' });
    } else {
      try {
        await answer({ ok: true, inspection: await inspectForHost(parsed.data) });
      } catch (e) {
        await answer({
          ok: false,
          known: e instanceof StudioError,
          message: e instanceof Error ? e.message : String(e),
        });
      }
    }
    process.exit(0);
  })();
});
