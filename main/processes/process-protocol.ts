import { z } from 'zod';
import { runIdSchema } from '../../core/contract/host.ts';

/**
 * What the server says to a training process (one process per run). The process answers with
 * HostEvents only; both sides validate what they receive.
 */
export const parentMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    runId: runIdSchema,
    /** A StartRunRequest; the process checks it again with checkRunRequest. */
    request: z.unknown(),
    /** The run folder to create (new or empty), or the one to resume. */
    out: z.string().min(1),
    /** Continue the run in `out` from its last epoch instead of starting one. */
    resume: z.object({ epochs: z.number().int().min(1).max(10000).optional() }).optional(),
  }),
  z.object({ type: z.literal('stop') }),
]);
export type ParentMessage = z.infer<typeof parentMessageSchema>;
export type StartMessage = Extract<ParentMessage, { type: 'start' }>;
