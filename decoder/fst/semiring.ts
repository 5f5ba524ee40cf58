// Semirings over float weights: tropical (min, +) and log (-log(e^-a + e^-b), +), with OpenFst's definitions.

/** OpenFst's default quantisation step and comparison tolerance (kDelta = 1/1024). */
export const DEFAULT_DELTA = 1 / 1024;

/** OpenFst's convergence tolerance for shortest distance, rmepsilon and shortest path (kShortestDelta = 1e-6). */
export const SHORTEST_DELTA = 1e-6;

/**
 * A semiring whose weights are plain numbers (costs: negated log probabilities).
 * Both semirings here share zero = +Infinity, one = 0 and times = addition; they differ in plus.
 * Contract: plus and times are associative, times distributes over plus, zero annihilates times.
 */
export interface Semiring {
  /** Name as OpenFst prints it in `fstinfo` ("tropical" or "log"). */
  readonly name: 'tropical' | 'log';
  readonly zero: number;
  readonly one: number;
  /** True when plus(a, b) is always a or b (path property): shortest path is meaningful. */
  readonly idempotent: boolean;
  plus(a: number, b: number): number;
  times(a: number, b: number): number;
  /** a / b; defined for b !== zero. Both semirings are commutative, so left = right division. */
  divide(a: number, b: number): number;
  /** True when w is a valid weight (not NaN, not -Infinity). */
  member(w: number): boolean;
  /** Round w to a multiple of delta (OpenFst's Quantize); zero and one stay exact. */
  quantize(w: number, delta?: number): number;
  /** OpenFst's ApproxEqual: |a - b| <= delta, with zero equal only to zero. */
  approxEqual(a: number, b: number, delta?: number): boolean;
}

function quantize(w: number, delta = DEFAULT_DELTA): number {
  if (w === Infinity || w === -Infinity || Number.isNaN(w)) return w;
  return Math.floor(w / delta + 0.5) * delta;
}

function approxEqual(a: number, b: number, delta = DEFAULT_DELTA): boolean {
  if (a === b) return true;
  return a <= b + delta && b <= a + delta;
}

function times(a: number, b: number): number {
  if (a === Infinity || b === Infinity) return Infinity;
  return a + b;
}

function divide(a: number, b: number): number {
  if (b === Infinity) return NaN;
  if (a === Infinity) return Infinity;
  return a - b;
}

function member(w: number): boolean {
  return !Number.isNaN(w) && w !== -Infinity;
}

/** Tropical semiring: plus = min, times = +. Idempotent; the Viterbi semiring. */
export const TropicalSemiring: Semiring = Object.freeze({
  name: 'tropical' as const,
  zero: Infinity,
  one: 0,
  idempotent: true,
  plus: (a: number, b: number) => (a < b ? a : b),
  times,
  divide,
  member,
  quantize,
  approxEqual,
});

/** -log(e^-a + e^-b), computed as OpenFst's LogPlus does to avoid overflow. */
export function logPlus(a: number, b: number): number {
  if (a === Infinity) return b;
  if (b === Infinity) return a;
  return a > b ? b - Math.log1p(Math.exp(b - a)) : a - Math.log1p(Math.exp(a - b));
}

/** Log semiring: plus = -log(e^-a + e^-b), times = +. Sums over paths (forward scores). */
export const LogSemiring: Semiring = Object.freeze({
  name: 'log' as const,
  zero: Infinity,
  one: 0,
  idempotent: false,
  plus: logPlus,
  times,
  divide,
  member,
  quantize,
  approxEqual,
});

/** Looks a semiring up by the name OpenFst uses for its arc type ("standard" = tropical). */
export function semiringByName(name: string): Semiring | undefined {
  switch (name) {
    case 'tropical':
    case 'standard':
      return TropicalSemiring;
    case 'log':
      return LogSemiring;
    default:
      return undefined;
  }
}
