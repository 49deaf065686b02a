/**
 * One training run in its own process, so a long epoch never blocks the server's event loop and
 * a crash of the engine takes only this run with it. Started by the run supervisor with
 * child_process.fork (the browser host) or Electron's utilityProcess.fork (the desktop app);
 * either way it speaks through connectParent: ParentMessages in, HostEvents out.
 */
import type { GallerySample, HostEvent } from '../../core/contract/host.ts';
import { StudioError } from '../../core/problems.ts';
import { initBackend, releaseBackend } from '../engine/backend.ts';
import type { TrainingEvent } from '../../core/contract/training.ts';
import { fileErrorSentence, isFileError } from '../fs/file-errors.ts';
import {
  resumeTraining,
  runTraining,
  type RunOutcome,
  type TrainedModel,
} from '../runs/run-training.ts';
import { answerWhereStuckWhenAsked, whereRequestFile } from '../runs/stuck-place.ts';
import { buildGallery, keepGallery } from './gallery.ts';
import { connectParent } from './parent-link.ts';
import { lowerPriority, trainingNiceness, TRAINING_NICENESS } from './priority.ts';
import { parentMessageSchema, type StartMessage } from './process-protocol.ts';
import { checkRunRequest, describeIssues } from './run-request.ts';

const controller = new AbortController();
let started = false;
const parent = connectParent();
// The supervisor asks a run that made no progress where it is stuck before it ends it; a process
// that cannot answer (no thread to spare) is ended all the same, its place unsaid.
if (parent) {
  try {
    answerWhereStuckWhenAsked(whereRequestFile(process.pid));
  } catch (e) {
    process.stderr.write(
      `warning: where a stuck run is stuck cannot be asked: ${(e as Error).message}\n`,
    );
  }
}
// The window the run is watched in comes first: a trainer at its priority made the charts stutter.
if (parent) {
  let niceness = TRAINING_NICENESS;
  let problem: string | undefined;
  try {
    niceness = trainingNiceness();
  } catch (e) {
    problem = `${(e as Error).message} The run trains at niceness ${niceness}.`;
  }
  problem = lowerPriority(niceness) ?? problem;
  if (problem) process.stderr.write(`warning: ${problem}\n`);
}
// Started before a run is given: a spare process (run-supervisor.ts) has the backend ready when
// Start is pressed. A backend that fails here is tried again, and said, by the run.
const warm = parent ? initBackend().catch(() => undefined) : Promise.resolve(undefined);

/** Resolves once the message is handed to the channel, so exiting afterwards loses nothing. */
const post = (event: HostEvent): Promise<void> => parent?.send(event) ?? Promise.resolve();

function exitWithProtocolError(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

async function run({ runId, request, out, resume }: StartMessage): Promise<void> {
  await warm;
  try {
    let gallery: GallerySample[] = [];
    const hooks = {
      signal: controller.signal,
      onEvent: (event: TrainingEvent) => void post({ type: 'run', runId, event }),
      onTrained: async ({ status, model, heads, dataset }: TrainedModel) => {
        if (status === 'failed') return;
        // The pictures are a bonus: a run whose gallery cannot be drawn has still finished.
        gallery = await buildGallery(model, heads, dataset).catch((e: unknown) => {
          process.stderr.write(`warning: no sample predictions: ${(e as Error).message}\n`);
          return [];
        });
      },
    };
    let outcome: RunOutcome;
    if (resume) {
      outcome = await resumeTraining({ dir: out, ...resume, ...hooks });
    } else {
      const checked = checkRunRequest(request);
      if (!checked.ok) {
        await post({ type: 'run-ended', runId, status: 'failed', message: checked.message });
        return;
      }
      outcome = await runTraining({
        graph: checked.graph,
        overrides: checked.overrides,
        ...(checked.name !== undefined ? { name: checked.name } : {}),
        out,
        ...hooks,
      });
    }
    if (outcome.status !== 'failed') {
      await keepGallery(outcome.dir, gallery).catch((e: unknown) => {
        process.stderr.write(
          `warning: the sample predictions were not kept: ${(e as Error).message}\n`,
        );
      });
      await post({
        type: 'run-result',
        runId,
        ...(outcome.test ? { test: outcome.test } : {}),
        gallery,
        ...(outcome.detection ? { detection: outcome.detection } : {}),
      });
    }
    const last = outcome.result.last;
    await post({
      type: 'run-ended',
      runId,
      status: outcome.status,
      ...(last.type === 'failed' ? { message: last.message } : {}),
    });
  } catch (e) {
    // A StudioError is a sentence for the user; anything else is our bug, still said in words.
    const message =
      e instanceof StudioError
        ? e.message
        : isFileError(e)
          ? fileErrorSentence(e)
          : `The training process failed: ${(e as Error)?.message ?? String(e)}`;
    await post({ type: 'run-ended', runId, status: 'failed', message });
  }
}

if (!parent) {
  exitWithProtocolError(
    'training-process.ts is started by the Multitask Studio server, not by hand.',
  );
}

parent.onMessage((raw: unknown) => {
  const parsed = parentMessageSchema.safeParse(raw);
  if (!parsed.success) {
    exitWithProtocolError(describeIssues('A message from the server', parsed.error));
  }
  const message = parsed.data;
  switch (message.type) {
    case 'start':
      if (started) exitWithProtocolError('The training process was asked to start a second run.');
      started = true;
      // The GPU device (WebGPU) is let go before the process ends, not torn down mid-flight.
      void run(message)
        .then(releaseBackend)
        .finally(() => parent.exit(0));
      break;
    case 'stop':
      controller.abort();
      break;
    default:
      message satisfies never;
  }
});

// The server decides when a run stops: Ctrl-C in its terminal reaches this process too.
process.on('SIGINT', () => undefined);
// Asked to end by the system (a shutdown, a kill, a closed terminal): stop like a Stop, after the
// current batch, so the run is marked stopped and keeps its finished epochs.
for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (!started) process.exit(0);
    controller.abort();
  });
}
// Without the server nobody reads the events: stop after the current batch, keeping the model.
parent.onDisconnect(() => {
  if (!started) process.exit(0);
  controller.abort();
});
