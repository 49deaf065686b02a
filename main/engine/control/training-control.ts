import type { BestEpoch, EpochEvent } from '../../../core/contract/training.ts';
import type { TrainingSettings } from '../../../core/graph/schema.ts';
import type { CompiledGraph } from '../compile.ts';
import type { UnfreezePlan } from '../../../core/graph/trainable.ts';
import { tf } from '../tf.ts';
import { EpochMonitor, monitoredValue, type MonitorState } from './monitor.ts';
import {
  nodeL2Factors,
  regularizedVariables,
  setLearningRate,
  StepRegularizer,
} from './regularize.ts';
import {
  afterEpoch,
  initialScheduleState,
  learningRateAt,
  type ScheduleState,
} from './schedule.ts';
import { unfrozenBy } from './unfreeze.ts';

export type ControlSettings = Pick<
  TrainingSettings,
  | 'optimizer'
  | 'learningRate'
  | 'epochs'
  | 'earlyStopping'
  | 'schedule'
  | 'weightDecay'
  | 'clipNorm'
>;

/** The epoch-level controls' state: JSON, saved with each checkpoint and restored on resume. */
export interface ControlState {
  readonly monitor: MonitorState;
  readonly schedule: ScheduleState;
}

export interface EpochVerdict {
  readonly best: BestEpoch;
  /** This epoch is the new best. */
  readonly improved: boolean;
  /** Why the run ends after this epoch (early stopping), or undefined to go on. */
  readonly stopReason?: string;
}

export interface ControlOptions {
  readonly settings: ControlSettings;
  readonly compiled: Pick<CompiledGraph, 'model' | 'heads' | 'analysis'>;
  readonly optimizer: tf.Optimizer;
  readonly stepsPerEpoch: number;
  /** Frozen nodes unfrozen at an epoch, with the learning rate from then on. */
  readonly unfreeze?: UnfreezePlan;
}

/**
 * Everything about a run that is decided between steps and epochs rather than inside the loss:
 * the learning rate of each step, what happens to gradients before the optimizer (node L2,
 * clipping, weight decay), and after each epoch the best epoch so far, plateau reductions and
 * early stopping. The trainer calls it at three places; its state is plain JSON for checkpoints.
 */
export class TrainingControl {
  private readonly monitor: EpochMonitor;
  private regularizer!: StepRegularizer;
  private optimizer: tf.Optimizer;
  private schedule: ScheduleState = initialScheduleState();
  private rate = Number.NaN;

  constructor(private readonly options: ControlOptions) {
    this.monitor = new EpochMonitor(options.settings.earlyStopping, options.compiled.heads);
    this.optimizer = options.optimizer;
    this.takeVariables();
  }

  /** Regularisation acts on the variables that are trainable now. */
  private takeVariables(): void {
    const { compiled, settings } = this.options;
    const variables = regularizedVariables(compiled.model, nodeL2Factors(compiled.analysis));
    this.regularizer = new StepRegularizer(variables, settings);
  }

  /**
   * After nodes are unfrozen: the trainable variables afresh, and a new optimizer for them, as
   * Keras' fine-tuning recompiles with a new one (fresh moments for the newly trained weights).
   */
  unfrozen(optimizer: tf.Optimizer): void {
    this.takeVariables();
    this.optimizer = optimizer;
    this.rate = Number.NaN;
  }

  /** The rate of the step after `stepsDone` steps, set on the optimizer. */
  beginStep(stepsDone: number): number {
    const { settings, stepsPerEpoch, unfreeze } = this.options;
    const epoch = Math.floor(stepsDone / stepsPerEpoch) + 1;
    const baseRate =
      unfreeze?.learningRate !== undefined && unfrozenBy(unfreeze, epoch)
        ? unfreeze.learningRate
        : settings.learningRate;
    const rate = learningRateAt(
      settings.schedule,
      { baseRate, stepsPerEpoch, epochs: settings.epochs },
      stepsDone,
      this.schedule,
    );
    if (rate !== this.rate) setLearningRate(this.optimizer, rate);
    this.rate = rate;
    return rate;
  }

  get learningRate(): number {
    return this.rate;
  }

  /** Regularises and clips the gradients, decays the weights, and steps the optimizer. */
  applyGradients(grads: tf.NamedTensorMap): void {
    if (!this.regularizer.active) {
      this.optimizer.applyGradients(grads);
      return;
    }
    const changed = this.regularizer.transform(grads);
    this.regularizer.decayWeights(this.rate);
    this.optimizer.applyGradients(changed);
    tf.dispose(Object.values(changed));
  }

  /** Bookkeeping after an epoch's validation: the best epoch, plateau, early stopping. */
  endEpoch(event: EpochEvent): EpochVerdict {
    const verdict = this.monitor.update(event);
    const settings = this.options.settings;
    this.schedule = afterEpoch(
      settings.schedule,
      this.schedule,
      monitoredValue(settings.earlyStopping.monitor, event),
      (value, best) => this.monitor.improves(value, best),
    );
    return {
      best: verdict.best,
      improved: verdict.improved,
      ...(verdict.stop ? { stopReason: this.monitor.stopReason(event.epoch) } : {}),
    };
  }

  get best(): BestEpoch | undefined {
    return this.monitor.best;
  }

  getState(): ControlState {
    return { monitor: this.monitor.getState(), schedule: this.schedule };
  }

  setState(state: ControlState): void {
    this.monitor.setState(state.monitor);
    this.schedule = state.schedule;
  }
}
