import type { z } from 'zod';
import { startRunRequestSchema } from '../../core/contract/host.ts';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import { loadGraphDocument } from '../../core/graph/load.ts';
import type { GraphDocument, TrainingSettings } from '../../core/graph/schema.ts';
import { firstErrorSentence } from '../../core/problems.ts';
import { checkDatasetForGraph } from '../runs/dataset-check.ts';
import { assertMemoryFits, memoryLimit } from '../runs/memory-limit.ts';

export interface CheckedRunRequest {
  readonly graph: GraphDocument;
  /** Only the settings the request names: the graph's own settings stay for everything else. */
  readonly overrides: Partial<TrainingSettings>;
  /** The run's name, trimmed, when the request gives one. */
  readonly name?: string;
}

export type RunRequestResult =
  ({ readonly ok: true } & CheckedRunRequest) | { readonly ok: false; readonly message: string };

const fail = (message: string): RunRequestResult => ({ ok: false, message });

/** "settings.epochs: too small: expected number to be >=1" — the first issue, as a sentence. */
export function describeIssues(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${what} is not valid.`;
  const where = issue.path.map(String).join('.') || 'the request';
  const message = issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${what} is not valid: ${where}: ${message}${more}.`;
}

/**
 * Checks a StartRunRequest as far as can be done without TensorFlow: the request's shape, the
 * graph document, the graph's problems, its heads against the chosen dataset and the memory it
 * would need. The server runs
 * it before spawning a training process (a mistake costs no process), the process again on what
 * it receives.
 */
export function checkRunRequest(input: unknown): RunRequestResult {
  const parsed = startRunRequestSchema.safeParse(input);
  if (!parsed.success) return fail(describeIssues('The run request', parsed.error));
  const overrides = parsed.data.settings;

  const loaded = loadGraphDocument(parsed.data.graph);
  if (!loaded.ok) return fail(loaded.error.message);
  const graph = loaded.document;
  const analysis = analyzeGraph(graph);
  const graphError = firstErrorSentence(analysis.problems);
  if (graphError) return fail(graphError.message);
  try {
    checkDatasetForGraph(analysis, overrides.dataset ?? graph.training.dataset);
    // A graph too big for the machine costs no process either.
    assertMemoryFits(analysis, { ...graph.training, ...overrides }, memoryLimit());
  } catch (e) {
    return fail((e as Error).message);
  }
  const name = parsed.data.name;
  return { ok: true, graph, overrides, ...(name !== undefined ? { name } : {}) };
}
