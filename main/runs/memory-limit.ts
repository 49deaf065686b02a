import { freemem, totalmem } from 'node:os';
import { estimateMemory, memoryProblem } from '../../core/graph/memory.ts';
import type { GraphAnalysis } from '../../core/graph/analyze.ts';
import type { TrainingSettings } from '../../core/graph/schema.ts';
import { formatBytes } from '../../core/format.ts';
import { StudioError } from '../../core/problems.ts';

/** The environment variable that sets the memory a run may need, for every host. */
export const MEMORY_LIMIT_ENV = 'MTS_MEMORY_LIMIT';

/** Share of the machine's memory a run may plan to use: the rest is the system's and the app's. */
const MACHINE_SHARE = 0.75;

export interface MemoryLimit {
  readonly bytes: number;
  /** Where the limit comes from, for the refusal sentence. */
  readonly why: string;
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** "12G", "800M", "1.5t", "1073741824" → bytes; undefined for anything else. */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!match?.[1]) return undefined;
  const bytes = Number(match[1]) * (SIZE_UNITS[(match[2] ?? '').toLowerCase()] ?? 1);
  return bytes > 0 && Number.isFinite(bytes) ? bytes : undefined;
}

/**
 * The memory a run may plan to use: `override` (a flag) or MTS_MEMORY_LIMIT when set, else
 * three quarters of the machine's memory (or of the process's cgroup limit, when lower).
 */
export function memoryLimit(
  override?: string,
  env: NodeJS.ProcessEnv = process.env,
  machine: { total: number; constrained?: number } = {
    total: totalmem(),
    constrained: process.constrainedMemory?.(),
  },
): MemoryLimit {
  const given = override ?? env[MEMORY_LIMIT_ENV];
  if (given !== undefined && given !== '') {
    const bytes = parseByteSize(given);
    const name = override !== undefined ? '--memory-limit' : MEMORY_LIMIT_ENV;
    if (bytes === undefined) {
      throw new StudioError(
        'E_BAD_FLAG',
        `${name} must be a size such as 12G, 800M or a number of bytes; got '${given}'.`,
      );
    }
    return { bytes, why: `set by ${name}` };
  }
  const { total, constrained } = machine;
  const usable = constrained && constrained > 0 && constrained < total ? constrained : total;
  return {
    bytes: usable * MACHINE_SHARE,
    why: `three quarters of this machine's ${formatBytes(usable)}; ${formatBytes(freemem())} free now; set ${MEMORY_LIMIT_ENV} to change it`,
  };
}

/** Refuses, before anything is allocated, a run that needs more memory than the limit. */
export function assertMemoryFits(
  analysis: GraphAnalysis,
  settings: Pick<TrainingSettings, 'batchSize' | 'optimizer'>,
  limit: MemoryLimit,
): void {
  const refusal = memoryProblem(estimateMemory(analysis, settings), limit.bytes, limit.why);
  if (refusal) throw new StudioError(refusal.code, refusal.message);
}
