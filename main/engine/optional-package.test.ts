import { describe, expect, it } from 'vitest';
import { importOptional } from './optional-package.ts';

describe('importOptional', () => {
  it('says a missing package is not installed, and what it is for', async () => {
    await expect(importOptional('no-such-package-here', 'for nothing')).rejects.toThrow(
      'no-such-package-here is not installed (for nothing)',
    );
  });

  it('says an installed package that throws did not load, with the first line of why', async () => {
    const broken = 'data:text/javascript,throw new Error("dawn.node: wrong ELF class\\nstack")';
    await expect(importOptional(broken, 'a test')).rejects.toThrow(
      /is installed but did not load: dawn\.node: wrong ELF class$/,
    );
  });

  it('says when the load failed inside the desktop app (Dawn in Electron is untried)', async () => {
    Object.defineProperty(process.versions, 'electron', { value: '45.5.0', configurable: true });
    try {
      await expect(importOptional('data:text/javascript,throw 1', 'a test')).rejects.toThrow(
        "is installed but did not load inside Electron's utility process: 1",
      );
    } finally {
      delete (process.versions as { electron?: string }).electron;
    }
  });
});
