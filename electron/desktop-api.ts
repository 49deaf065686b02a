import {
  DESKTOP_EVENTS,
  type DesktopApi,
  type DesktopChannel,
  type DesktopEvent,
  type DesktopRequest,
  type DesktopResponse,
} from '../core/contract/desktop.ts';

/** `ipcRenderer.invoke`, or a fake in tests. */
export type InvokeChannel = (channel: DesktopChannel, request: unknown) => Promise<unknown>;

/** `ipcRenderer.on` + `removeListener` for one event; returns the unsubscribe. */
export type SubscribeEvent = (
  event: DesktopEvent,
  listener: (payload: unknown) => void,
) => () => void;

/**
 * The object the preload exposes as `window.studioDesktop`: one function per channel of the
 * contract, each invoking its own channel only, and `on` for the events the main process pushes.
 * Pure (no 'electron' import) so the tests and the type checker can hold it to `DesktopApi`;
 * listing every channel by hand makes `satisfies` fail when the contract gains one.
 */
export function createDesktopApi(invoke: InvokeChannel, subscribe: SubscribeEvent): DesktopApi {
  const call =
    <C extends DesktopChannel>(channel: C) =>
    (request: DesktopRequest<C>) =>
      invoke(channel, request) as Promise<DesktopResponse<C>>;

  const on: DesktopApi['on'] = (event, listener) =>
    subscribe(event, (payload) => {
      // The main process is trusted, but a payload the types do not describe is a bug: drop it
      // here rather than let it reach the stores.
      const parsed = DESKTOP_EVENTS[event].safeParse(payload);
      if (parsed.success) listener(parsed.data as Parameters<typeof listener>[0]);
    });

  return {
    'examples:list': call('examples:list'),
    'datasets:list': call('datasets:list'),
    'dataset:choose': call('dataset:choose'),
    'dataset:inspect': call('dataset:inspect'),
    'model:read': call('model:read'),
    'run:start': call('run:start'),
    'run:stop': call('run:stop'),
    'run:resume': call('run:resume'),
    'run:rename': call('run:rename'),
    'run:export': call('run:export'),
    'runs:list': call('runs:list'),
    'run:open': call('run:open'),
    'sweeps:list': call('sweeps:list'),
    'file:open': call('file:open'),
    'file:save': call('file:save'),
    'document:state': call('document:state'),
    on,
  } satisfies DesktopApi;
}
