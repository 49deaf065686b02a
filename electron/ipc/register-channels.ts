import type { z } from 'zod';
import {
  DESKTOP_CHANNELS,
  type DesktopChannel,
  type DesktopResponse,
} from '../../core/contract/desktop.ts';
import { StudioError } from '../../core/problems.ts';

/** The protocol and host the app's own pages are served from (registered by the main process). */
export const APP_ORIGIN = 'app://studio';

/** The part of a WebFrameMain this module reads. */
export interface FrameLike {
  readonly url: string;
}

/** The part of an IpcMainInvokeEvent this module reads; Electron sets a null frame once it is gone. */
export interface InvokeEventLike {
  readonly senderFrame: FrameLike | null;
}

/** The part of ipcMain this module uses; Electron's own ipcMain fits it (checked in the tests). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** What a handler receives: the request after its schema parsed it (defaults filled). */
export type DesktopParsedRequest<C extends DesktopChannel> = z.output<
  (typeof DESKTOP_CHANNELS)[C]['request']
>;

/** A channel whose answer is `undefined` is answered by a handler returning nothing. */
export type DesktopHandlerResult<C extends DesktopChannel> =
  DesktopResponse<C> extends undefined ? void : DesktopResponse<C>;

/** One handler per channel of the contract; leaving one out is a type error. */
export type DesktopHandlers = {
  readonly [C in DesktopChannel]: (
    request: DesktopParsedRequest<C>,
  ) => Promise<DesktopHandlerResult<C>> | DesktopHandlerResult<C>;
};

export interface RegisterOptions {
  /** Whether the frame that sent a message may use the desktop API at all. */
  readonly isTrustedSender: (frame: FrameLike | null) => boolean;
}

export const DESKTOP_CHANNEL_NAMES = Object.keys(DESKTOP_CHANNELS) as DesktopChannel[];

/** True for a live frame showing one of the app's own pages (`app://studio/…`). */
export function isAppFrame(frame: FrameLike | null): boolean {
  if (!frame) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  return `${url.protocol}//${url.host}` === APP_ORIGIN;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'it does not match the contract';
  const where = issue.path.length ? `at '${issue.path.join('.')}'` : 'in the payload';
  return `${where}: ${issue.message.replace(/\.$/, '')}`;
}

/**
 * Registers one `ipcMain.handle` per channel of the contract. Every call is refused unless the
 * sender is trusted, its payload is parsed with the channel's request schema, and the handler's
 * answer is checked with the response schema, so a bug cannot send the renderer an answer its
 * types do not describe.
 */
export function registerChannels(
  ipcMain: IpcMainLike,
  handlers: DesktopHandlers,
  { isTrustedSender }: RegisterOptions,
): void {
  for (const channel of DESKTOP_CHANNEL_NAMES) {
    const { request, response } = DESKTOP_CHANNELS[channel];
    const handler = handlers[channel] as (request: unknown) => unknown;
    ipcMain.handle(channel, async (event, ...args) => {
      const frame = event.senderFrame;
      if (!isTrustedSender(frame)) {
        throw new StudioError(
          'E_IPC_SENDER',
          `The '${channel}' request came from ${frame ? `a page that is not the app (${frame.url})` : 'a frame that no longer exists'} and was refused.`,
        );
      }
      const parsed = request.safeParse(args[0]);
      if (!parsed.success) {
        throw new StudioError(
          'E_IPC_PAYLOAD',
          `The '${channel}' request is invalid ${firstIssue(parsed.error)}.`,
        );
      }
      const answer = await handler(parsed.data);
      const checked = response.safeParse(answer);
      if (!checked.success) {
        throw new StudioError(
          'E_IPC_RESPONSE',
          `The main process answered '${channel}' with a value the contract does not allow ${firstIssue(checked.error)}.`,
        );
      }
      return checked.data;
    });
  }
}

/** Removes every channel's handler, e.g. before the window's page is replaced in development. */
export function unregisterChannels(ipcMain: IpcMainLike): void {
  for (const channel of DESKTOP_CHANNEL_NAMES) ipcMain.removeHandler(channel);
}
