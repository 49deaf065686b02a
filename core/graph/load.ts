import type { z } from 'zod';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../json-depth.ts';
import { StudioError } from '../problems.ts';
import { withoutByteOrderMark } from '../text-bytes.ts';
import { defaultParams, isNodeKind } from '../nodes/registry.ts';
import { GRAPH_FORMAT, GRAPH_VERSION, graphDocumentSchema, type GraphDocument } from './schema.ts';

/** One step of the document's history: turns a version `from` document into version `from + 1`. */
export interface Migration {
  readonly from: number;
  readonly migrate: (doc: Record<string, unknown>) => Record<string, unknown>;
}

/** Version 1 is the first released format; each later format adds its step here. */
export const MIGRATIONS: readonly Migration[] = [];

export type LoadResult =
  | { readonly ok: true; readonly document: GraphDocument; readonly migratedFrom?: number }
  | { readonly ok: false; readonly error: StudioError };

const fail = (message: string): LoadResult => ({
  ok: false,
  error: new StudioError('E_GRAPH_INVALID', message),
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Loads a graph document from anything (parsed JSON or its text): validate the envelope,
 * migrate older versions, fill defaults, validate the whole. Never throws; the error is a
 * sentence naming the field and what was expected.
 */
export function loadGraphDocument(
  input: unknown,
  migrations: readonly Migration[] = MIGRATIONS,
  currentVersion: number = GRAPH_VERSION,
): LoadResult {
  let raw = input;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(withoutByteOrderMark(raw));
    } catch (e) {
      return fail(`The graph file is not valid JSON: ${(e as Error).message}.`);
    }
  }
  if (!isRecord(raw))
    return fail('The graph file is not a Multitask Studio graph: expected a JSON object.');
  if (nestsDeeperThan(raw)) {
    return fail(
      `The graph file nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; a graph never does.`,
    );
  }
  if (raw.format !== GRAPH_FORMAT) {
    return fail(
      `The file is not a Multitask Studio graph: expected "format": "${GRAPH_FORMAT}"${
        raw.format === undefined ? '' : ` but found ${JSON.stringify(raw.format)}`
      }.`,
    );
  }
  const version = raw.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    return fail(
      `The graph file has an invalid version ${JSON.stringify(version)}: expected a whole number.`,
    );
  }
  if (version > currentVersion) {
    return fail(
      `The graph file is version ${version}, made by a newer Multitask Studio; this one reads versions up to ${currentVersion}.`,
    );
  }
  let doc = raw;
  for (let v = version; v < currentVersion; v++) {
    const step = migrations.find((m) => m.from === v);
    if (!step)
      return fail(
        `The graph file is version ${version} and no migration from version ${v} exists.`,
      );
    doc = { ...step.migrate(doc), version: v + 1 };
  }
  const parsed = graphDocumentSchema.safeParse(doc);
  if (!parsed.success) return fail(describeIssue(parsed.error, doc));
  return {
    ok: true,
    document: fillParamDefaults(parsed.data),
    ...(version < currentVersion ? { migratedFrom: version } : {}),
  };
}

/** Like loadGraphDocument, for callers that want an exception. */
export function parseGraphDocument(input: unknown): GraphDocument {
  const result = loadGraphDocument(input);
  if (!result.ok) throw result.error;
  return result.document;
}

/** A node's missing params take the kind's defaults; wrong values stay for the analysis to mark. */
function fillParamDefaults(doc: GraphDocument): GraphDocument {
  return {
    ...doc,
    nodes: doc.nodes.map((node) =>
      isNodeKind(node.kind)
        ? { ...node, params: { ...defaultParams(node.kind), ...node.params } }
        : node,
    ),
  };
}

/** "nodes[2] ('conv1').kind: expected …" — the first issue, with the node id when there is one. */
function describeIssue(error: z.ZodError, doc: Record<string, unknown>): string {
  const issue = error.issues[0];
  if (!issue) return 'The graph file is not valid.';
  let where = '';
  let cursor: unknown = doc;
  for (const key of issue.path) {
    where += typeof key === 'number' ? `[${key}]` : `${where ? '.' : ''}${String(key)}`;
    cursor =
      isRecord(cursor) || Array.isArray(cursor)
        ? (cursor as Record<PropertyKey, unknown>)[key as PropertyKey]
        : undefined;
    if (typeof key === 'number' && isRecord(cursor) && typeof cursor.id === 'string') {
      where += ` ('${cursor.id}')`;
    }
  }
  const more =
    error.issues.length > 1
      ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})`
      : '';
  return `The graph file is not valid: ${where || 'the document'}: ${lowerFirst(issue.message)}${more}.`;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** The document as saved: plain JSON, stable key order from the schema. */
export const serializeGraphDocument = (doc: GraphDocument): string =>
  `${JSON.stringify(doc, null, 2)}\n`;
