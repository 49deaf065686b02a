import { describe, expect, it } from 'vitest';
import { relaxedSimd } from '../engine/wasm/emit.ts';
import { machinePeak } from './flops.ts';
import { flopsPerTurn, measureSimdPeak, peakModuleBytes } from './simd-peak.ts';

const validate = (bytes: Uint8Array) =>
  (
    globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }
  ).WebAssembly.validate(bytes);

describe('the measured SIMD peak', () => {
  it('builds valid loops and counts their work', () => {
    expect(validate(peakModuleBytes(false))).toBe(true);
    if (relaxedSimd()) expect(validate(peakModuleBytes(true))).toBe(true);
    // 12 chains of 4 lanes; a fused multiply-add is two operations a lane.
    expect(flopsPerTurn(false)).toBe(48);
    expect(flopsPerTurn(true)).toBe(96);
  });

  it('measures a rate for each kind of operation this engine has', () => {
    const peak = measureSimdPeak(2, 2);
    expect(peak.plain).toBeGreaterThan(0);
    expect(Number.isFinite(peak.plain)).toBe(true);
    expect(peak.fma === undefined).toBe(!relaxedSimd());
  });

  it('scales a measured core to the threads and the native width', () => {
    const cpuinfo = 'cpu MHz\t\t: 2000.0\nflags\t\t: fpu sse avx avx2 fma\n';
    const p = machinePeak(2, cpuinfo, { plain: 30, fma: 40 });
    expect(p).toMatchObject({ simd128: 60, simd128Fma: 80, native: 160, nativeWidth: 256 });
    expect(p.measured).toBe(true);
    // Without relaxed SIMD the FMA column repeats the plain rate.
    expect(machinePeak(1, cpuinfo, { plain: 30 }).simd128Fma).toBe(30);
    expect(machinePeak(2, cpuinfo).measured).toBe(false);
  });
});
