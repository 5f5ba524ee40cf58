// Interned label strings (the string half of OpenFst's Gallic weights) as integer ids in a trie of typed arrays.

/** Id of the empty string (OpenFst's StringWeight::One()). */
export const EMPTY_STRING = 0;
/** Marker for OpenFst's StringWeight::Zero() (the infinite string); never a valid id. */
export const ZERO_STRING = -1;

/**
 * A set of label strings, each interned once as an id. String k is stored as (prefix id, last label), so the
 * prefixes of a string are its ancestors and appending a label is one hash probe. Removing the first label
 * (what residual division does) rebuilds the string once and memoises the result.
 * Memory: about 24 bytes a distinct string plus the hash table (8 bytes a slot, at most half full).
 */
export class LabelStrings {
  private parentOf = new Int32Array(1024);
  private lastOf = new Int32Array(1024);
  private firstOf = new Int32Array(1024);
  private lengthOf = new Int32Array(1024);
  private tailMemo = new Int32Array(1024).fill(-1);
  private count = 1;
  private slots = new Int32Array(2048).fill(-1);
  private scratch = new Int32Array(64);

  /** Number of distinct strings interned so far (the empty string included); ids are 0 … size-1. */
  get size(): number {
    return this.count;
  }

  length(id: number): number {
    return this.lengthOf[id];
  }

  /** First label of a non-empty string. */
  first(id: number): number {
    return this.firstOf[id];
  }

  /** The string id·label. Amortised O(1). */
  append(id: number, label: number): number {
    const mask = this.slots.length - 1;
    let h = hashPair(id, label) & mask;
    for (;;) {
      const k = this.slots[h];
      if (k < 0) break;
      if (this.parentOf[k] === id && this.lastOf[k] === label) return k;
      h = (h + 1) & mask;
    }
    const k = this.count;
    if (k === this.parentOf.length) this.grow();
    this.parentOf[k] = id;
    this.lastOf[k] = label;
    this.firstOf[k] = id === EMPTY_STRING ? label : this.firstOf[id];
    this.lengthOf[k] = this.lengthOf[id] + 1;
    this.tailMemo[k] = -1;
    this.count = k + 1;
    this.slots[h] = k;
    if (this.count * 2 > this.slots.length) this.rehash();
    return k;
  }

  /** The string without its first label (the empty string stays empty). O(length) once, then O(1). */
  tail(id: number): number {
    if (id === EMPTY_STRING) return EMPTY_STRING;
    const memo = this.tailMemo[id];
    if (memo >= 0) return memo;
    const n = this.labels(id);
    let t = EMPTY_STRING;
    for (let i = 1; i < n; i++) t = this.append(t, this.scratch[i]);
    this.tailMemo[id] = t;
    return t;
  }

  /** The string without its first k labels (k ≤ length). */
  dropPrefix(id: number, k: number): number {
    let t = id;
    for (let i = 0; i < k; i++) t = this.tail(t);
    return t;
  }

  /** The concatenation a·b. O(length of b). */
  concat(a: number, b: number): number {
    if (b === EMPTY_STRING) return a;
    if (a === EMPTY_STRING) return b;
    const n = this.labels(b);
    // labels() fills the shared scratch buffer; append() never touches it.
    let t = a;
    for (let i = 0; i < n; i++) t = this.append(t, this.scratch[i]);
    return t;
  }

  /** The longest common prefix of a and b (OpenFst's left string Plus). O(length). */
  commonPrefix(a: number, b: number): number {
    let la = this.lengthOf[a];
    let lb = this.lengthOf[b];
    while (la > lb) {
      a = this.parentOf[a];
      la--;
    }
    while (lb > la) {
      b = this.parentOf[b];
      lb--;
    }
    while (a !== b) {
      a = this.parentOf[a];
      b = this.parentOf[b];
    }
    return a;
  }

  /** The labels of a string as a fresh array (for tests and error messages, not hot loops). */
  toArray(id: number): number[] {
    const n = this.labels(id);
    return Array.from(this.scratch.subarray(0, n));
  }

  /** Writes the labels of `id` into the scratch buffer, first label at index 0; returns the length. */
  private labels(id: number): number {
    const n = this.lengthOf[id];
    if (n > this.scratch.length) this.scratch = new Int32Array(Math.max(n, this.scratch.length * 2));
    for (let i = n - 1; i >= 0; i--) {
      this.scratch[i] = this.lastOf[id];
      id = this.parentOf[id];
    }
    return n;
  }

  private grow(): void {
    const n = this.parentOf.length * 2;
    const g = (a: Int32Array, fill = 0): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      if (fill !== 0) b.fill(fill, a.length);
      b.set(a);
      return b;
    };
    this.parentOf = g(this.parentOf);
    this.lastOf = g(this.lastOf);
    this.firstOf = g(this.firstOf);
    this.lengthOf = g(this.lengthOf);
    this.tailMemo = g(this.tailMemo, -1);
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let k = 1; k < this.count; k++) {
      let h = hashPair(this.parentOf[k], this.lastOf[k]) & mask;
      while (slots[h] >= 0) h = (h + 1) & mask;
      slots[h] = k;
    }
    this.slots = slots;
  }
}

function hashPair(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}
