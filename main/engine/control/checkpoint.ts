import { join } from 'node:path';
import { StudioError } from '../../../core/problems.ts';
import { MAX_DOCUMENT_BYTES, readRegularFileIfAny } from '../../fs/regular-file.ts';
import { writeFileAtomic } from '../atomic-write.ts';
import { BALANCING_FILE } from '../../runs/run-manifest.ts';
import { saveModel } from '../model-io.ts';
import type { tf, LayersModel } from '../tf.ts';
import { loadOptimizerState, saveOptimizerState } from './optimizer-state.ts';
import type { ControlState } from './training-control.ts';

export const STATE_FILE = 'state.json';

const STATE_LIMITS = { what: 'checkpoint file', maxBytes: MAX_DOCUMENT_BYTES } as const;

/** Something in the training step that keeps state across steps, as JSON. */
export interface Stateful {
  getState(): unknown;
  setState(state: unknown): void;
}

/** Where a run stands after an epoch: with the model and optimizer files, enough to go on exactly. */
export interface CheckpointState {
  readonly format: 'multitask-studio/checkpoint';
  readonly epochsCompleted: number;
  readonly steps: number;
  readonly control: ControlState;
}

export interface CheckpointParts {
  readonly model: LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly state: CheckpointState;
  readonly balancing?: Stateful;
}

/** Writes a checkpoint folder: model/, optimizer moments, state.json and balancing.json. */
export async function saveCheckpoint(dir: string, parts: CheckpointParts): Promise<void> {
  await saveModel(parts.model, dir);
  await saveOptimizerState(parts.optimizer, dir);
  if (parts.balancing) await saveBalancingState(dir, parts.balancing);
  // Last, so a folder with state.json is complete.
  await writeFileAtomic(join(dir, STATE_FILE), JSON.stringify(parts.state));
}

/** Writes the task-balancing method's state (balancing.json) into a folder. */
export async function saveBalancingState(dir: string, balancing: Stateful): Promise<void> {
  await writeFileAtomic(join(dir, BALANCING_FILE), JSON.stringify(balancing.getState()));
}

/** A checkpoint read back: its state, and the optimizer and balancing restored on demand. */
export interface ResumePoint {
  readonly dir: string;
  readonly state: CheckpointState;
  restoreOptimizer(optimizer: tf.Optimizer): Promise<void>;
  restoreBalancing(balancing: Stateful): Promise<void>;
}

export async function readCheckpoint(dir: string): Promise<ResumePoint> {
  const stateBytes = await readRegularFileIfAny(join(dir, STATE_FILE), STATE_LIMITS);
  let state: CheckpointState;
  try {
    state = JSON.parse(stateBytes?.toString('utf8') ?? '') as CheckpointState;
  } catch {
    throw new StudioError(
      'E_NO_CHECKPOINT',
      `There is no complete checkpoint in ${dir}: the run did not finish an epoch, or was made before runs kept one; it cannot be resumed.`,
    );
  }
  if (state.format !== 'multitask-studio/checkpoint' || !(state.epochsCompleted >= 1)) {
    throw new StudioError('E_NO_CHECKPOINT', `The checkpoint in ${dir} is not one this app wrote.`);
  }
  return {
    dir,
    state,
    restoreOptimizer: (optimizer) => loadOptimizerState(optimizer, dir),
    async restoreBalancing(balancing) {
      const bytes = await readRegularFileIfAny(join(dir, BALANCING_FILE), STATE_LIMITS);
      if (bytes) balancing.setState(JSON.parse(bytes.toString('utf8')));
    },
  };
}
