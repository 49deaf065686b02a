import type { ActivationName } from './fields.ts';
import type { LayerSpec, ParamCount, ShapeResult, IncomingShape } from './kind.ts';
import { denseParams, ok, only, requireVector } from './rules.ts';
import type { Shape } from '../shape.ts';

/**
 * Every task head is a Dense output layer with a fixed activation; what differs is the task
 * (loss, metrics, target). These pieces are shared by the three head kinds.
 */
export const headShape =
  <P>(units: (p: P) => number) =>
  (p: P, inputs: readonly IncomingShape[], self: string): ShapeResult =>
    requireVector(self, only(inputs)) ?? ok([units(p)]);

export const headParams =
  <P>(units: (p: P) => number) =>
  (p: P, [shape]: readonly Shape[]): ParamCount =>
    denseParams(shape?.[0] ?? 0, units(p), true);

export const headLayer =
  <P>(units: (p: P) => number, activation: ActivationName) =>
  (p: P, name: string): LayerSpec => ({
    className: 'Dense',
    config: { name, units: units(p), activation, useBias: true },
  });
