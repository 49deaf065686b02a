/**
 * One dataset inspection in its own process: reading a large CSV or COCO file and checking every
 * image keeps a process busy for seconds, which neither the browser host's event loop nor the
 * desktop app's main process (menus, IPC) may be. Forked by the browser host or run as an
 * Electron utility process (see parent-link.ts); receives one InspectDatasetRequest, answers one
 * InspectOutcome, exits.
 */
import { inspectDatasetRequestSchema } from '../../core/contract/host.ts';
import { StudioError } from '../../core/problems.ts';
import { inspectForHost } from '../datasets/import/inspection.ts';
import type { InspectOutcome } from './inspect-runner.ts';
import { connectParent } from './parent-link.ts';

const link = connectParent();

async function inspect(message: unknown): Promise<InspectOutcome> {
  const parsed = inspectDatasetRequestSchema.safeParse(message);
  if (!parsed.success) {
    return { ok: false, known: false, message: 'The inspection request was not valid.' };
  }
  try {
    return { ok: true, inspection: await inspectForHost(parsed.data) };
  } catch (e) {
    return {
      ok: false,
      known: e instanceof StudioError,
      message: e instanceof Error ? e.message : String(e),
    };
  }
}

let answered = false;
link?.onMessage((message) => {
  if (answered) return;
  answered = true;
  void inspect(message)
    .then((outcome) => link.send(outcome))
    .finally(() => link.exit(0));
});
