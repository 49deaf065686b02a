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
    /** The run folder to create (new or empty). */
    out: z.string().min(1),
  }),
  z.object({ type: z.literal('stop') }),
]);
export type ParentMessage = z.infer<typeof parentMessageSchema>;
export type StartMessage = Extract<ParentMessage, { type: 'start' }>;
