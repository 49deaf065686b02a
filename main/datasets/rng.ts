/**
 * Seeded pseudo-random numbers for the built-in datasets.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128 bits of state,
 * passes PractRand to 2^40+ bytes): plenty for data synthesis, fast in 32-bit integer JS arithmetic,
 * and unlike Math.random it is reproducible. Seeds are lists of integers ("words") so a dataset can
 * derive an independent stream per purpose and per sample, e.g. createRng(seed, STREAM, index):
 * sample k then looks the same whatever limit, channel count or other samples were asked for.
 */

/** A deterministic source of random numbers; the same seed words always give the same sequence. */
export interface Rng {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform float in [0, 1). */
  nextFloat(): number;
  /** Uniform integer in [0, maxExclusive); maxExclusive is a positive integer up to 2^32. */
  nextInt(maxExclusive: number): number;
  /** Uniform float in [min, max). */
  nextRange(min: number, max: number): number;
  /** Standard normal deviate (mean 0, sigma 1) by the Box–Muller transform. */
  normal(): number;
}

const TWO_POW_32 = 4294967296;
/** sfc32's authors discard the first outputs so that similar seeds have diverged. */
const WARM_UP_ROUNDS = 12;

/** MurmurHash3's block mix: folds one 32-bit word into the running hash. */
function mixWord(hash: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let h = hash ^ k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3's finaliser: every input bit affects every output bit. */
function finalise(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

function hashSeedWords(seedWords: readonly number[]): number {
  let hash = 0x9e3779b9 ^ seedWords.length;
  for (const word of seedWords) {
    if (!Number.isSafeInteger(word)) {
      throw new RangeError(`A random seed word must be a safe integer; got ${String(word)}.`);
    }
    // Both halves of a 53-bit integer take part, so seeds 1 and 2^32 + 1 differ.
    hash = mixWord(hash, word | 0);
    hash = mixWord(hash, Math.floor(word / TWO_POW_32) | 0);
  }
  return hash;
}

/** A generator's whole state as JSON: sfc32's four words and the cached second normal deviate. */
export interface RngState {
  readonly words: readonly number[];
  readonly spareNormal: number | null;
}

/** A generator whose state can be saved and restored, so a resumed run draws what it would have. */
export interface StatefulRng extends Rng {
  getState(): RngState;
  setState(state: RngState): void;
}

class Sfc32 implements StatefulRng {
  private a: number;
  private b: number;
  private c: number;
  private counter: number;
  private spareNormal = 0;
  private hasSpareNormal = false;

  constructor(seedHash: number) {
    this.a = finalise(seedHash ^ 0x243f6a88);
    this.b = finalise(seedHash ^ 0x85a308d3);
    this.c = finalise(seedHash ^ 0x13198a2e);
    this.counter = 1;
    for (let round = 0; round < WARM_UP_ROUNDS; round += 1) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.counter) | 0;
    this.counter = (this.counter + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  nextFloat(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  getState(): RngState {
    return {
      words: [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.counter >>> 0],
      spareNormal: this.hasSpareNormal ? this.spareNormal : null,
    };
  }

  setState(state: RngState): void {
    const words = state?.words;
    if (!Array.isArray(words) || words.length !== 4 || !words.every(Number.isSafeInteger)) {
      throw new Error('a saved random generator state needs 4 integer words');
    }
    [this.a, this.b, this.c, this.counter] = words.map((w: number) => w | 0) as [
      number,
      number,
      number,
      number,
    ];
    this.hasSpareNormal = typeof state.spareNormal === 'number';
    this.spareNormal = state.spareNormal ?? 0;
  }

  nextInt(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > TWO_POW_32) {
      throw new RangeError(
        `nextInt needs a positive integer bound up to 2^32; got ${String(maxExclusive)}.`,
      );
    }
    // Multiply-and-floor has a bias below 2^-32 * maxExclusive, far under anything we sample.
    return Math.floor(this.nextFloat() * maxExclusive);
  }

  nextRange(min: number, max: number): number {
    return min + (max - min) * this.nextFloat();
  }

  normal(): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return this.spareNormal;
    }
    // 1 - u keeps the logarithm's argument in (0, 1]; each pair of uniforms gives two deviates.
    const radius = Math.sqrt(-2 * Math.log(1 - this.nextFloat()));
    const angle = 2 * Math.PI * this.nextFloat();
    const cosine = Math.cos(angle);
    // sin from cos saves a second trig call, the bulk of the cost when noising whole datasets.
    const sine = Math.sqrt(Math.max(0, 1 - cosine * cosine));
    this.spareNormal = radius * (angle < Math.PI ? sine : -sine);
    this.hasSpareNormal = true;
    return radius * cosine;
  }
}

/** A generator seeded by one or more safe integers (a dataset seed, a stream id, a sample index…). */
export function createRng(...seedWords: readonly number[]): StatefulRng {
  return new Sfc32(hashSeedWords(seedWords));
}

/** Anything indexable and writable: plain arrays and typed arrays alike. */
export interface MutableList<T> {
  readonly length: number;
  [index: number]: T;
}

/** Shuffles in place with Fisher–Yates (Durstenfeld's form) and returns the same list. */
export function shuffle<L extends MutableList<unknown>>(items: L, rng: Rng): L {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = rng.nextInt(i + 1);
    const held = items[i];
    items[i] = items[j];
    items[j] = held;
  }
  return items;
}
