import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  DESKTOP_CHANNELS,
  DESKTOP_EVENTS,
  type DesktopApi,
  type DesktopChannel,
} from '../core/contract/desktop.ts';
import { createDesktopApi, type SubscribeEvent } from './desktop-api.ts';

const channels = Object.keys(DESKTOP_CHANNELS) as DesktopChannel[];

function setup() {
  const invoke = vi.fn(async (channel: string, request: unknown) => ({ channel, request }));
  const listeners = new Map<string, (payload: unknown) => void>();
  const unsubscribed: string[] = [];
  const subscribe: SubscribeEvent = (event, listener) => {
    listeners.set(event, listener);
    return () => unsubscribed.push(event);
  };
  const api: DesktopApi = createDesktopApi(invoke, subscribe);
  return { api, invoke, listeners, unsubscribed };
}

describe('createDesktopApi', () => {
  it('has the type the renderer reads window.studioDesktop as', () => {
    expectTypeOf(createDesktopApi).returns.toEqualTypeOf<DesktopApi>();
    expectTypeOf<keyof ReturnType<typeof createDesktopApi>>().toEqualTypeOf<
      DesktopChannel | 'on'
    >();
  });

  it('exposes exactly one function per channel of the contract, and on', () => {
    const { api } = setup();
    expect(Object.keys(api).sort()).toEqual([...channels, 'on'].sort());
    for (const key of Object.keys(api)) {
      expect(typeof (api as unknown as Record<string, unknown>)[key]).toBe('function');
    }
  });

  it.each(channels)('%s invokes its own channel with the request', async (channel) => {
    const { api, invoke } = setup();
    const request = { probe: channel };
    const call = api[channel] as (request: unknown) => Promise<unknown>;
    await expect(call(request)).resolves.toEqual({ channel, request });
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(invoke).toHaveBeenCalledWith(channel, request);
  });

  it('passes valid event payloads on and drops invalid ones', () => {
    const { api, listeners, unsubscribed } = setup();
    const commands: unknown[] = [];
    const hostEvents: unknown[] = [];
    const off = api.on('menu-command', (command) => commands.push(command));
    api.on('host-event', (event) => hostEvents.push(event));

    const menu = listeners.get('menu-command');
    menu?.('save');
    menu?.('format-disk');
    menu?.({ command: 'save' });
    expect(commands).toEqual(['save']);

    const host = listeners.get('host-event');
    const ended = { type: 'run-ended', runId: 'r1', status: 'stopped' };
    host?.(ended);
    host?.({ type: 'run-ended', runId: '../etc', status: 'stopped' });
    host?.(null);
    expect(hostEvents).toEqual([ended]);

    off();
    expect(unsubscribed).toEqual(['menu-command']);
  });

  it('checks file-opened with the contract schema', () => {
    const { api, listeners } = setup();
    const opened: unknown[] = [];
    api.on('file-opened', (file) => opened.push(file));
    const file = { path: '/a/m.graph.json', name: 'm.graph.json', text: '{}' };
    listeners.get('file-opened')?.(file);
    listeners.get('file-opened')?.({ path: '/a', name: 'a' });
    expect(opened).toEqual([file]);
  });

  it('checks document-recovered with the contract schema', () => {
    const { api, listeners } = setup();
    const recovered: unknown[] = [];
    api.on('document-recovered', (document) => recovered.push(document));
    const document = { name: 'm.graph.json', text: '{}', untitled: false };
    listeners.get('document-recovered')?.(document);
    listeners.get('document-recovered')?.({ name: 'm.graph.json', text: '{}' });
    listeners.get('document-recovered')?.({ ...document, path: '/a/m.graph.json' });
    // Unknown keys are dropped: the renderer never sees a path.
    expect(recovered).toEqual([document, document]);
    expect(Object.keys(DESKTOP_EVENTS)).toEqual([
      'host-event',
      'menu-command',
      'file-opened',
      'document-recovered',
    ]);
  });
});

describe('the dataset channels', () => {
  it('choose and inspect each invoke their own channel with the request as given', async () => {
    const { api, invoke } = setup();
    await api['dataset:choose']({ kind: 'folder' });
    await api['dataset:inspect']({ path: '/data/labels.csv', options: {} });
    expect(invoke.mock.calls).toEqual([
      ['dataset:choose', { kind: 'folder' }],
      ['dataset:inspect', { path: '/data/labels.csv', options: {} }],
    ]);
  });
});
