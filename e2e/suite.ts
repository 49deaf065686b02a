import { afterAll, beforeAll, expect } from 'vitest';
import { startStudio, type Studio } from './harness.ts';

/**
 * How long a suite waits for the studio to start: it builds the page and starts its host, which
 * takes minutes on a loaded two-core machine. `MTS_E2E_START_MS` sets another limit.
 */
const START_LIMIT_MS = Number(process.env.MTS_E2E_START_MS) || 300_000;

/**
 * The studio for one suite, at a laptop's window size: started before its tests (dialogs such
 * as the leave prompt accepted), closed after them; a suite that leaves a page error has found
 * a bug. Call inside `describe`; the getter gives the running studio.
 */
export function laptopStudio(viewport = { width: 1440, height: 900 }): () => Studio {
  let studio: Studio | undefined;
  beforeAll(async () => {
    studio = await startStudio();
    studio.page.on('dialog', (dialog) => void dialog.accept());
    await studio.page.setViewportSize(viewport);
  }, START_LIMIT_MS);
  afterAll(async () => {
    expect(studio?.pageErrors ?? []).toEqual([]);
    await studio?.close();
  });
  return () => {
    if (!studio) throw new Error('The studio has not started.');
    return studio;
  };
}
