import type { DatasetInfo } from '../../../core/contract/host.ts';
import { analyzeGraph } from '../../../core/graph/analyze.ts';
import type { GraphDocument, GraphNode } from '../../../core/graph/schema.ts';
import { HEAD_KINDS, kindSpec } from '../../../core/nodes/registry.ts';
import { targetWidth, taskSpec } from '../../../core/tasks/registry.ts';
import { addAfter } from './add-after.ts';
import { accepted, updateParams, type EditResult } from './commands.ts';
import type { FlowDirection } from './layout.ts';

type Target = DatasetInfo['targets'][number];

const isHead = (node: GraphNode) => kindSpec(node.kind).head !== undefined;

/**
 * The params that make a head learn `target`: its name and, where the head's width is a param
 * (classes, units, attributes), the target's width. Nothing when the target is of another kind:
 * choosing a head's target also sizes it, instead of leaving "set units to 3" to the user.
 */
export function paramsForTarget(
  node: GraphNode,
  target: Target | undefined,
): Record<string, unknown> {
  const head = kindSpec(node.kind).head;
  if (!head || !target || target.kind !== head.targetKind) return {};
  const width = taskSpec(target.kind).widthParam;
  const patch: Record<string, unknown> = { target: target.name };
  if (width && width.field in node.params) patch[width.field] = targetWidth(target);
  return patch;
}

export interface HeadFit {
  /** Heads given another target or size. */
  readonly changed: readonly string[];
  /** Heads added for targets no head learned. */
  readonly added: readonly string[];
  /** Heads whose kind the dataset has no target for, left as they were. */
  readonly unmatched: readonly string[];
  /**
   * Targets no head learns whose head cannot sit where the others do (a mask beside heads fed by
   * a flat vector needs a feature map): left for the user to place.
   */
  readonly notAdded?: readonly string[];
}

/**
 * Fits the graph's heads to a dataset as one edit: a head whose target the dataset has (of its
 * kind) keeps it and takes its width; another takes a target of its kind no head learns yet;
 * each target left over gets a head of its own, fed by what feeds the first head.
 */
export function fitHeadsToDataset(
  doc: GraphDocument,
  targets: readonly Target[],
  direction: FlowDirection,
): EditResult & { readonly fit?: HeadFit } {
  const heads = doc.nodes.filter(isHead);
  const used = new Set<string>();
  const choice = new Map<string, Target>();
  const kindOf = (node: GraphNode) => kindSpec(node.kind).head?.targetKind;
  // Heads whose target is there keep it first, so no other head takes it from them.
  for (const node of heads) {
    const own = targets.find((t) => t.name === node.params.target && t.kind === kindOf(node));
    if (own && !used.has(own.name)) {
      choice.set(node.id, own);
      used.add(own.name);
    }
  }
  for (const node of heads) {
    if (choice.has(node.id)) continue;
    const free = targets.filter((t) => t.kind === kindOf(node) && !used.has(t.name));
    const pick = free.find((t) => t.name === node.params.task) ?? free[0];
    if (pick) {
      choice.set(node.id, pick);
      used.add(pick.name);
    }
  }
  let next = doc;
  const changed: string[] = [];
  for (const node of heads) {
    const patch = paramsForTarget(node, choice.get(node.id));
    if (Object.entries(patch).some(([k, v]) => node.params[k] !== v)) {
      next = updateParams(next, node.id, patch);
      changed.push(node.id);
    }
  }
  const added: string[] = [];
  const notAdded: string[] = [];
  const first = heads[0];
  for (const target of targets) {
    if (used.has(target.name) || !first) continue;
    const kind = HEAD_KINDS.find((k) => kindSpec(k).head?.targetKind === target.kind);
    if (!kind) continue;
    const after = added.at(-1) ?? first.id;
    const result = addAfter(next, kind, after, direction, targets);
    if (!result.ok || result.nodeId === undefined) continue;
    const id = result.nodeId;
    if (analyzeGraph(result.document).problems.some((p) => p.nodeIds.some((n) => n === id))) {
      notAdded.push(target.name);
      continue;
    }
    next = result.document;
    added.push(result.nodeId);
    used.add(target.name);
  }
  const unmatched = heads.filter((n) => !choice.has(n.id)).map((n) => n.id);
  return {
    ...accepted(next),
    fit: { changed, added, unmatched, ...(notAdded.length ? { notAdded } : {}) },
  };
}

/** What the fit did, as the notice says it: "Fitted the heads to shapes: changed class; added colour_head." */
export function fitSentence(fit: HeadFit, dataset: string): string {
  const parts = [
    fit.changed.length ? `changed ${fit.changed.join(', ')}` : undefined,
    fit.added.length ? `added ${fit.added.join(', ')}` : undefined,
    fit.unmatched.length
      ? `${fit.unmatched.join(', ')} ${fit.unmatched.length === 1 ? 'has' : 'have'} no target of ${fit.unmatched.length === 1 ? 'its' : 'their'} kind there (remove or keep)`
      : undefined,
    fit.notAdded?.length
      ? `no head added for ${fit.notAdded.join(', ')}, whose head needs a feature map the other heads do not see (add it by hand)`
      : undefined,
  ].filter(Boolean);
  return parts.length
    ? `Fitted the heads to ${dataset}: ${parts.join('; ')}.`
    : `The heads already fit ${dataset}.`;
}
