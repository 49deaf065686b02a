import { describe, expect, it } from 'vitest';
import { memoryLimit, parseByteSize } from './memory-limit.ts';

const GIB = 2 ** 30;

describe('memory limit', () => {
  it('reads sizes people write', () => {
    expect(parseByteSize('12G')).toBe(12 * GIB);
    expect(parseByteSize('800m')).toBe(800 * 2 ** 20);
    expect(parseByteSize('1.5 GiB')).toBe(1.5 * GIB);
    expect(parseByteSize('4096')).toBe(4096);
    expect(parseByteSize('lots')).toBeUndefined();
    expect(parseByteSize('0')).toBeUndefined();
  });

  it('is three quarters of the machine, or of a lower cgroup limit', () => {
    expect(memoryLimit(undefined, {}, { total: 16 * GIB }).bytes).toBe(12 * GIB);
    const limited = memoryLimit(undefined, {}, { total: 16 * GIB, constrained: 4 * GIB });
    expect(limited.bytes).toBe(3 * GIB);
    expect(limited.why).toContain("three quarters of this machine's 4 GiB");
  });

  it('takes the flag over the environment variable over the machine', () => {
    const env = { MTS_MEMORY_LIMIT: '20G' };
    expect(memoryLimit(undefined, env, { total: 16 * GIB })).toEqual({
      bytes: 20 * GIB,
      why: 'set by MTS_MEMORY_LIMIT',
    });
    expect(memoryLimit('2G', env, { total: 16 * GIB }).bytes).toBe(2 * GIB);
    expect(() => memoryLimit(undefined, { MTS_MEMORY_LIMIT: 'x' })).toThrow(
      "MTS_MEMORY_LIMIT must be a size such as 12G, 800M or a number of bytes; got 'x'.",
    );
  });
});
