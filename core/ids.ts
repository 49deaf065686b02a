/** Branded ids so node ids, task names and run ids cannot be mixed up by accident. */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type NodeId = Brand<string, 'NodeId'>;
export type EdgeId = Brand<string, 'EdgeId'>;
export type TaskName = Brand<string, 'TaskName'>;
export type RunId = Brand<string, 'RunId'>;

export const asNodeId = (id: string): NodeId => id as NodeId;
export const asTaskName = (name: string): TaskName => name as TaskName;
export const asRunId = (id: string): RunId => id as RunId;

/**
 * Node ids become layer names in the compiled model, and tfjs only accepts output layer names
 * matching /^[A-Za-z0-9][-A-Za-z0-9._/]*$/; we keep to a stricter subset that is also a valid
 * Keras and file-system name.
 */
export const NODE_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const TASK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;
