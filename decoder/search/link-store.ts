// The traceback store: backpointer links (characters, words, recombinations) with mark-compact collection and commits.

import { NO_LINK } from './token-arena.ts';

/** No character on a link. */
export const NO_CHAR = -1;

/**
 * Scratch arrays of a collection, shared by every store of a recognizer (used only inside one synchronous call).
 * They grow to the largest store collected.
 */
export class CollectScratch {
  mark = new Uint8Array(1024);
  remap = new Int32Array(1024);
  altMark = new Uint8Array(1024);
  altRemap = new Int32Array(1024);

  ensure(links: number, alts: number): void {
    if (this.mark.length < links) {
      const n = Math.max(links, this.mark.length * 2);
      this.mark = new Uint8Array(n);
      this.remap = new Int32Array(n);
    }
    if (this.altMark.length < alts) {
      const n = Math.max(alts, this.altMark.length * 2);
      this.altMark = new Uint8Array(n);
      this.altRemap = new Int32Array(n);
    }
  }
}

/**
 * Backpointers of one stream's hypotheses, as parallel typed arrays. A link records what happened on a path since
 * its parent link `prev`: a new character (token id, start frame, and the end frame of the character before it) and/or
 * a word label; or it is a recombination node, where hypotheses with different word histories met in one graph state:
 * its `alt` list holds each of them (link, absolute cost, word-history hash), the cheapest being `prev`.
 *
 * Invariant: every link's predecessors (prev, and the links of its alternatives) have smaller indices. Collection
 * keeps it (it compacts in order), so one downward sweep visits a link after all links that reach it.
 * Memory: 24 bytes a link, 20 an alternative; collection (`markFrom`, `cut`, `compact`) keeps it proportional to
 * what the live hypotheses reach.
 */
export class LinkStore {
  static readonly BYTES_PER_LINK = 24;
  static readonly BYTES_PER_ALT = 20;
  size = 0;
  prev: Int32Array;
  word: Int32Array;
  char: Int32Array;
  frame: Int32Array;
  /** Characters: end frame of the previous character; recombination nodes: number of alternatives. */
  aux: Int32Array;
  /** First alternative of a recombination node, or -1. */
  alt: Int32Array;
  altSize = 0;
  altLink: Int32Array;
  altCost: Float64Array;
  altHash: Int32Array;
  altNext: Int32Array;
  private readonly initialLinks: number;
  private readonly initialAlts: number;

  constructor(links = 256, alts = 64) {
    this.initialLinks = links;
    this.initialAlts = alts;
    this.prev = new Int32Array(links);
    this.word = new Int32Array(links);
    this.char = new Int32Array(links);
    this.frame = new Int32Array(links);
    this.aux = new Int32Array(links);
    this.alt = new Int32Array(links);
    this.altLink = new Int32Array(alts);
    this.altCost = new Float64Array(alts);
    this.altHash = new Int32Array(alts);
    this.altNext = new Int32Array(alts);
  }

  /** Appends an event link and returns its index. Amortised O(1). */
  add(prev: number, word: number, char: number, frame: number, aux: number): number {
    const i = this.size;
    if (i === this.prev.length) this.growLinks(i * 2);
    this.prev[i] = prev;
    this.word[i] = word;
    this.char[i] = char;
    this.frame[i] = frame;
    this.aux[i] = aux;
    this.alt[i] = -1;
    this.size = i + 1;
    return i;
  }

  /** Appends a recombination node: `primary` is its cheapest alternative, `head` its list of `count` alternatives. */
  addMerge(primary: number, frame: number, head: number, count: number): number {
    const i = this.add(primary, 0, NO_CHAR, frame, count);
    this.alt[i] = head;
    return i;
  }

  /** Appends an alternative (a list cell) and returns its index. Amortised O(1). */
  addAlt(link: number, cost: number, hash: number, next: number): number {
    const i = this.altSize;
    if (i === this.altLink.length) this.growAlts(i * 2);
    this.altLink[i] = link;
    this.altCost[i] = cost;
    this.altHash[i] = hash;
    this.altNext[i] = next;
    this.altSize = i + 1;
    return i;
  }

  /** True when the store is 90 % full (of links or alternatives): time to collect before it grows. */
  get nearlyFull(): boolean {
    return this.size * 10 > this.prev.length * 9 || this.altSize * 10 > this.altLink.length * 9;
  }

  /**
   * After a collection: grows the arrays to three times what is live, so that the next collection comes only after
   * at least twice as many new links as survived this one (collection stays O(1) amortised per link).
   */
  ensureHeadroom(): void {
    if (this.size * 3 > this.prev.length) this.growLinks(this.size * 3);
    if (this.altSize * 3 > this.altLink.length) this.growAlts(this.altSize * 3);
  }

  /** True for a link that carries nothing and has no predecessor (a cut root). */
  isEmptyRoot(i: number): boolean {
    return this.prev[i] === NO_LINK && this.alt[i] < 0 && this.word[i] === 0 && this.char[i] === NO_CHAR;
  }

  /** Forgets every link and gives grown arrays back (an idle stream holds only the initial capacity). */
  clear(): void {
    this.size = 0;
    this.altSize = 0;
    if (this.prev.length > this.initialLinks) this.growLinks(this.initialLinks, true);
    if (this.altLink.length > this.initialAlts) this.growAlts(this.initialAlts, true);
  }

  /** Bytes held. */
  get bytes(): number {
    return this.prev.length * LinkStore.BYTES_PER_LINK + this.altLink.length * LinkStore.BYTES_PER_ALT;
  }

  /**
   * Marks every link reachable from `roots[0 … n-1]` in `sc.mark` and returns the nearest dominator: the highest
   * link through which every path from every root passes (−1 when there is none, e.g. a root is NO_LINK or the
   * histories only meet at the empty history). One downward sweep: a frontier count of marked links not yet
   * visited; when it drops to one at a visited link, that link dominates. With `primaryOnly`, only `prev` is
   * followed (alternatives ignored): the result is then where the roots' best paths meet (their common ancestor).
   * O(size + alternatives).
   */
  markFrom(roots: Int32Array, n: number, sc: CollectScratch, primaryOnly = false): number {
    sc.ensure(this.size, this.altSize);
    const mark = sc.mark;
    mark.fill(0, 0, this.size);
    let pending = 0;
    // Once some path has reached the empty history, no link below can lie on every path.
    let bottomReached = false;
    for (let r = 0; r < n; r++) {
      const l = roots[r];
      if (l === NO_LINK) bottomReached = true;
      else if (mark[l] === 0) {
        mark[l] = 1;
        pending++;
      }
    }
    let dominator = -1;
    for (let i = this.size - 1; i >= 0 && pending > 0; i--) {
      if (mark[i] === 0) continue;
      if (pending === 1 && !bottomReached && dominator < 0) dominator = i;
      pending--;
      const p = this.prev[i];
      if (p === NO_LINK) bottomReached = true;
      else if (mark[p] === 0) {
        mark[p] = 1;
        pending++;
      }
      for (let a = primaryOnly ? -1 : this.alt[i]; a >= 0; a = this.altNext[a]) {
        const q = this.altLink[a];
        if (q === NO_LINK) bottomReached = true;
        else if (mark[q] === 0) {
          mark[q] = 1;
          pending++;
        }
      }
    }
    return dominator;
  }

  /**
   * Makes `d` (a dominator found by `markFrom`) a root: its events and predecessors are dropped (the caller has
   * committed them) and the links below it are unmarked, so that `compact` frees them. O(d).
   */
  cut(d: number, sc: CollectScratch): void {
    this.prev[d] = NO_LINK;
    this.alt[d] = -1;
    this.word[d] = 0;
    this.char[d] = NO_CHAR;
    this.aux[d] = 0;
    sc.mark.fill(0, 0, d);
  }

  /**
   * Drops the alternatives that would lead around link `d`: every recombination node above `d` keeps only the
   * alternatives whose best path runs through `d` (a copy of its list is made when one is dropped). Afterwards `d`,
   * if it was the roots' common ancestor (`markFrom` with primaryOnly), dominates every path. Loses those
   * alternatives for n-best lists and confidences: a memory guard for streams whose hypotheses never fully meet.
   * O(size − d + alternatives).
   */
  dropAlternativesAround(d: number, sc: CollectScratch): void {
    sc.ensure(this.size, this.altSize);
    // mark[i] = 1 when i's best path runs through d (prev always points down, so one upward pass settles it).
    const through = sc.mark;
    through.fill(0, 0, this.size);
    through[d] = 1;
    for (let i = d + 1; i < this.size; i++) {
      const p = this.prev[i];
      through[i] = p !== NO_LINK && p >= d && through[p] === 1 ? 1 : 0;
    }
    for (let i = d + 1; i < this.size; i++) {
      if (this.alt[i] < 0) continue;
      let keep = true;
      for (let a = this.alt[i]; a >= 0; a = this.altNext[a]) {
        const q = this.altLink[a];
        if (q === NO_LINK || q < d || through[q] === 0) keep = false;
      }
      if (keep) continue;
      let head = -1;
      let count = 0;
      for (let a = this.alt[i]; a >= 0; a = this.altNext[a]) {
        const q = this.altLink[a];
        if (q === NO_LINK || q < d || through[q] === 0) continue;
        head = this.addAlt(q, this.altCost[a], this.altHash[a], head);
        count++;
      }
      this.alt[i] = count > 1 ? head : -1;
      this.aux[i] = count > 1 ? count : 0;
    }
  }

  /**
   * Removes unmarked links and unreachable alternatives, keeping the order of the rest, and rewrites `roots` to the
   * new indices. Precondition: `markFrom` (and possibly `cut`) just ran with these roots. O(size + alternatives).
   */
  compact(roots: Int32Array, n: number, sc: CollectScratch): void {
    const { mark, remap, altMark, altRemap } = sc;
    const size = this.size;
    let k = 0;
    for (let i = 0; i < size; i++) remap[i] = mark[i] !== 0 ? k++ : NO_LINK;
    // Alternatives reachable from kept recombination nodes (lists share tails: stop at a marked cell).
    altMark.fill(0, 0, this.altSize);
    for (let i = 0; i < size; i++) {
      if (mark[i] === 0) continue;
      for (let a = this.alt[i]; a >= 0 && altMark[a] === 0; a = this.altNext[a]) altMark[a] = 1;
    }
    let ka = 0;
    for (let a = 0; a < this.altSize; a++) {
      if (altMark[a] === 0) {
        altRemap[a] = -1;
        continue;
      }
      altRemap[a] = ka;
      this.altLink[ka] = this.altLink[a] === NO_LINK ? NO_LINK : remap[this.altLink[a]];
      this.altCost[ka] = this.altCost[a];
      this.altHash[ka] = this.altHash[a];
      this.altNext[ka] = this.altNext[a];
      ka++;
    }
    for (let a = 0; a < ka; a++) if (this.altNext[a] >= 0) this.altNext[a] = altRemap[this.altNext[a]];
    this.altSize = ka;
    for (let i = 0; i < size; i++) {
      const j = remap[i];
      if (j === NO_LINK) continue;
      const p = this.prev[i];
      this.prev[j] = p === NO_LINK ? NO_LINK : remap[p];
      this.word[j] = this.word[i];
      this.char[j] = this.char[i];
      this.frame[j] = this.frame[i];
      this.aux[j] = this.aux[i];
      this.alt[j] = this.alt[i] >= 0 ? altRemap[this.alt[i]] : -1;
    }
    this.size = k;
    for (let r = 0; r < n; r++) if (roots[r] !== NO_LINK) roots[r] = remap[roots[r]];
  }

  private growLinks(cap: number, shrink = false): void {
    const keep = shrink ? 0 : this.size;
    const g = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a.subarray(0, keep));
      return b;
    };
    this.prev = g(this.prev);
    this.word = g(this.word);
    this.char = g(this.char);
    this.frame = g(this.frame);
    this.aux = g(this.aux);
    this.alt = g(this.alt);
  }

  private growAlts(cap: number, shrink = false): void {
    const keep = shrink ? 0 : this.altSize;
    const g = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a.subarray(0, keep));
      return b;
    };
    this.altLink = g(this.altLink);
    this.altHash = g(this.altHash);
    this.altNext = g(this.altNext);
    const c = new Float64Array(cap);
    c.set(this.altCost.subarray(0, keep));
    this.altCost = c;
  }
}
