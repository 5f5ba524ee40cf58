// AT&T text format, read and written as OpenFst's fstcompile and fstprint do.

import { FstError } from './errors.ts';
import { ArcView, type Fst, type Label } from './fst.ts';
import { TropicalSemiring, type Semiring } from './semiring.ts';
import type { SymbolTable } from './symbol-table.ts';
import { VectorFst } from './vector-fst.ts';

export interface CompileOptions {
  semiring?: Semiring;
  /** Labels are symbols of this table instead of integers. */
  isymbols?: SymbolTable;
  osymbols?: SymbolTable;
  /** One label a line (acceptor form); with isymbols, both sides use it. Default false. */
  acceptor?: boolean;
  /** Use state numbers as given instead of renumbering in order of appearance. Default false (fstcompile's). */
  keepStateNumbering?: boolean;
}

function parseWeight(tok: string, line: number): number {
  if (tok === 'Infinity' || tok === 'inf' || tok === 'INF') return Infinity;
  const w = Number(tok);
  if (tok === '' || Number.isNaN(w) || w === -Infinity) {
    throw new FstError('FST_PARSE', `line ${line}: bad weight "${tok}"`, { line });
  }
  return Math.fround(w);
}

function parseLabel(tok: string, st: SymbolTable | undefined, line: number): Label {
  if (st) {
    const id = st.find(tok);
    if (id < 0) throw new FstError('FST_SYMBOL', `line ${line}: symbol "${tok}" not in table`, { line, symbol: tok });
    return id;
  }
  if (!/^\d+$/.test(tok)) throw new FstError('FST_PARSE', `line ${line}: bad label "${tok}"`, { line });
  return Number(tok);
}

/**
 * Compiles AT&T text: arc lines "src dst ilabel olabel [weight]" (or "src dst label [weight]" for an acceptor)
 * and final lines "state [weight]". The first line's source is the start state. O(size of text).
 */
export function compileText(text: string, opts: CompileOptions = {}): VectorFst {
  const fst = new VectorFst(opts.semiring ?? TropicalSemiring);
  fst.isymbols = opts.isymbols;
  fst.osymbols = opts.acceptor ? opts.isymbols : opts.osymbols;
  const acceptor = opts.acceptor ?? false;
  const ids = new Map<string, number>();
  const stateOf = (tok: string, line: number): number => {
    if (!/^\d+$/.test(tok)) throw new FstError('FST_PARSE', `line ${line}: bad state id "${tok}"`, { line });
    let s: number;
    if (opts.keepStateNumbering) {
      s = Number(tok);
    } else {
      const k = ids.get(tok);
      if (k !== undefined) return k;
      s = ids.size;
      ids.set(tok, s);
    }
    while (fst.numStates() <= s) fst.addState();
    return s;
  };
  const lines = text.split('\n');
  let first = true;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    const t = raw.split(/\s+/);
    const n = t.length;
    const ln = i + 1;
    const arcFields = acceptor ? 3 : 4;
    if (n === arcFields || n === arcFields + 1) {
      const s = stateOf(t[0], ln);
      const d = stateOf(t[1], ln);
      if (first) fst.setStart(s);
      const il = parseLabel(t[2], opts.isymbols, ln);
      const ol = acceptor ? il : parseLabel(t[3], opts.osymbols, ln);
      const w = n === arcFields + 1 ? parseWeight(t[n - 1], ln) : fst.semiring.one;
      fst.addArc(s, il, ol, w, d);
    } else if (n === 1 || n === 2) {
      const s = stateOf(t[0], ln);
      if (first) fst.setStart(s);
      fst.setFinal(s, n === 2 ? parseWeight(t[1], ln) : fst.semiring.one);
    } else {
      throw new FstError('FST_PARSE', `line ${ln}: expected ${arcFields}–${arcFields + 1} fields or 1–2`, {
        line: ln,
      });
    }
    first = false;
  }
  return fst;
}

/** Formats a weight as C++'s ostream does at precision 9 (printf "%.9g"), as fstprint prints floats. */
export function formatWeight(w: number): string {
  if (w === Infinity) return 'Infinity';
  if (w === -Infinity) return '-Infinity';
  if (Number.isNaN(w)) return 'BadNumber';
  if (w === 0) return Object.is(w, -0) ? '-0' : '0';
  const p = 9;
  let s = roundSignificant(w, p);
  const e = Number(s.slice(s.indexOf('e') + 1));
  if (e < -4 || e >= p) {
    let mant = s.slice(0, s.indexOf('e'));
    if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    const sign = e < 0 ? '-' : '+';
    const ae = Math.abs(e);
    return `${mant}e${sign}${ae < 10 ? '0' : ''}${ae}`;
  }
  s = fixedFromExponential(s);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

/**
 * w in exponential notation with p significant digits, rounding exact ties to even as glibc's printf does
 * (JavaScript's toExponential rounds them up). toExponential(40) is exact enough to see a tie: a float32 or
 * double with a tie at digit p has a short exact decimal expansion.
 */
function roundSignificant(w: number, p: number): string {
  const exact = w.toExponential(40);
  const mant = exact.slice(0, exact.indexOf('e'));
  const digits = mant.replace('-', '').replace('.', '');
  const rest = digits.slice(p);
  const tie = rest[0] === '5' && /^0*$/.test(rest.slice(1));
  if (tie && Number(digits[p - 1]) % 2 === 0) {
    // Truncate: the kept digits are already even.
    const exp = exact.slice(exact.indexOf('e'));
    const kept = digits.slice(0, p);
    return `${w < 0 ? '-' : ''}${kept[0]}${p > 1 ? '.' + kept.slice(1) : ''}${exp}`;
  }
  return w.toExponential(p - 1);
}

/** Rewrites "d.ddddde±x" as a plain decimal with the same significant digits. */
function fixedFromExponential(s: string): string {
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const ei = body.indexOf('e');
  const e = Number(body.slice(ei + 1));
  const digits = body.slice(0, ei).replace('.', '');
  let out: string;
  if (e >= 0) {
    const intLen = e + 1;
    out = intLen >= digits.length ? digits + '0'.repeat(intLen - digits.length) : `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  } else {
    out = `0.${'0'.repeat(-e - 1)}${digits}`;
  }
  return neg ? `-${out}` : out;
}

export interface PrintOptions {
  isymbols?: SymbolTable;
  osymbols?: SymbolTable;
  /** Print one label a line (the FST must be an acceptor). Default false. */
  acceptor?: boolean;
}

function labelText(l: Label, st: SymbolTable | undefined): string {
  if (!st) return String(l);
  const s = st.symbol(l);
  if (s === undefined) throw new FstError('FST_SYMBOL', `label ${l} not in symbol table`, { label: l });
  return s;
}

/**
 * Prints AT&T text exactly as fstprint does: the start state first, then the others in order; for each
 * state its arcs, then its final weight if it is final; weights equal to one are omitted.
 */
export function printText(fst: Fst, opts: PrintOptions = {}): string {
  const out: string[] = [];
  const one = fst.semiring.one;
  const zero = fst.semiring.zero;
  const view = new ArcView();
  const isyms = opts.isymbols;
  const osyms = opts.acceptor ? opts.isymbols : opts.osymbols;
  const printState = (s: number) => {
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) {
      let line = `${s}\t${view.nextstate[a]}\t${labelText(view.ilabel[a], isyms)}`;
      if (!opts.acceptor) line += `\t${labelText(view.olabel[a], osyms)}`;
      const w = view.weight[a];
      if (w !== one) line += `\t${formatWeight(w)}`;
      out.push(line);
    }
    const f = fst.final(s);
    if (f !== zero) out.push(f === one ? `${s}` : `${s}\t${formatWeight(f)}`);
  };
  const start = fst.start();
  if (start >= 0) {
    printState(start);
    for (let s = 0, n = fst.numStates(); s < n; s++) if (s !== start) printState(s);
  }
  return out.length > 0 ? out.join('\n') + '\n' : '';
}
