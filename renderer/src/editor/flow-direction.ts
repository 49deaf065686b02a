import { createContext, useContext } from 'react';
import { Position } from '@xyflow/react';
import type { FlowDirection } from '../graph/layout.ts';

/** Which way the graph on the canvas flows: where each node has its input and output handles. */
export const FlowDirectionContext = createContext<FlowDirection>('LR');

export const useFlowDirection = (): FlowDirection => useContext(FlowDirectionContext);

/** Inputs on the left and the output on the right, or inputs on top and the output below. */
export const handleSides = (direction: FlowDirection) =>
  direction === 'TB'
    ? { input: Position.Top, output: Position.Bottom }
    : { input: Position.Left, output: Position.Right };
