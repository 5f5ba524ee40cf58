// JSGF grammars: a parser with line/column errors, and their compilation to an epsilon-free word acceptor G.

import { arcSort } from '../fst/arc-sort.ts';
import { connect } from '../fst/connect.ts';
import { ArcView, type StateId } from '../fst/fst.ts';
import { VectorFst } from '../fst/vector-fst.ts';
import { GraphError, checkOptionKeys } from './errors.ts';
import { normalizeText, type WordTable } from './words.ts';

/** A position in the grammar text, 1-based. */
export interface SourcePos {
  line: number;
  column: number;
}

/** A JSGF rule expansion (the right-hand side of a rule, or a part of it). */
export type JsgfExpansion =
  | { kind: 'words'; words: string[]; pos: SourcePos }
  | { kind: 'ruleref'; rule: string; pos: SourcePos }
  | { kind: 'null'; pos: SourcePos }
  | { kind: 'void'; pos: SourcePos }
  | { kind: 'sequence'; items: JsgfExpansion[] }
  | { kind: 'alternatives'; alternatives: JsgfAlternative[]; weighted: boolean }
  | { kind: 'optional'; body: JsgfExpansion }
  | { kind: 'repeat'; body: JsgfExpansion; min: 0 | 1 };

/** One alternative of a `|` group; `weight` is 1 when the group is unweighted. */
export interface JsgfAlternative {
  weight: number;
  expansion: JsgfExpansion;
}

export interface JsgfRule {
  name: string;
  isPublic: boolean;
  expansion: JsgfExpansion;
  pos: SourcePos;
}

/** A parsed grammar: its name and rules in definition order (references all resolved). */
export interface JsgfGrammar {
  name: string;
  rules: Map<string, JsgfRule>;
}

type TokKind = 'word' | 'quoted' | 'rule' | 'weight' | 'punct' | 'eof';

interface Tok {
  kind: TokKind;
  text: string;
  /** For weights: the value. */
  value: number;
  line: number;
  column: number;
}

const PUNCT = ';=|*+()[]';
const SPECIAL = ';=|*+()[]<>{}/"';

function syntaxError(message: string, line: number, column: number): GraphError {
  return new GraphError('GRAMMAR_SYNTAX', `line ${line}, column ${column}: ${message}`, { line, column });
}

/** Splits grammar text into tokens, skipping whitespace, comments and {tags}. */
class Lexer {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  constructor(private readonly src: string) {
    if (src.charCodeAt(0) === 0xfeff) this.i = 1;
  }

  /** Consumes the "#JSGF ...;" header if present; returns whether it was. */
  header(): boolean {
    this.skipSpace();
    if (!this.src.startsWith('#JSGF', this.i)) return false;
    const col = this.col();
    const end = this.src.indexOf(';', this.i);
    const nl = this.src.indexOf('\n', this.i);
    if (end < 0 || (nl >= 0 && nl < end)) throw syntaxError('the #JSGF header must end with ";"', this.line, col);
    const fields = this.src.slice(this.i, end).trim().split(/\s+/);
    if (!/^V\d+(\.\d+)*$/.test(fields[1] ?? '')) throw syntaxError('expected "#JSGF V1.0;"', this.line, col);
    this.i = end + 1;
    return true;
  }

  next(): Tok {
    this.skipSpace();
    const src = this.src;
    const line = this.line;
    const column = this.col();
    const tok = (kind: TokKind, text: string, value = 0): Tok => ({ kind, text, value, line, column });
    if (this.i >= src.length) return tok('eof', '');
    const c = src[this.i];
    if (PUNCT.includes(c)) {
      this.i++;
      return tok('punct', c);
    }
    if (c === '<') {
      const end = src.indexOf('>', this.i);
      const name = end < 0 ? '' : src.slice(this.i + 1, end);
      if (end < 0 || name === '' || /[\s<;=|*+()[\]{}"/]/.test(name)) throw syntaxError('bad rule name', line, column);
      this.i = end + 1;
      return tok('rule', name);
    }
    if (c === '/') {
      const m = /^\/\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*\//.exec(src.slice(this.i, this.i + 64));
      if (!m) throw syntaxError('bad weight: expected /number/', line, column);
      this.i += m[0].length;
      return tok('weight', m[0], Number(m[1]));
    }
    if (c === '"') {
      let j = this.i + 1;
      let text = '';
      for (;;) {
        if (j >= src.length || src[j] === '\n') throw syntaxError('unterminated quoted token', line, column);
        const d = src[j];
        if (d === '"') break;
        if (d === '\\' && j + 1 < src.length && src[j + 1] !== '\n') {
          text += src[j + 1];
          j += 2;
        } else {
          text += d;
          j++;
        }
      }
      this.i = j + 1;
      return tok('quoted', text);
    }
    if (c === '>' || c === '}') throw syntaxError(`unexpected "${c}"`, line, column);
    let j = this.i;
    while (j < src.length && !SPECIAL.includes(src[j]) && !/\s/.test(src[j])) j++;
    const text = src.slice(this.i, j);
    this.i = j;
    return tok('word', text);
  }

  private col(): number {
    return this.i - this.lineStart + 1;
  }

  private newline(at: number): void {
    this.line++;
    this.lineStart = at + 1;
  }

  private skipSpace(): void {
    const src = this.src;
    while (this.i < src.length) {
      const c = src[this.i];
      if (c === '\n') {
        this.newline(this.i);
        this.i++;
      } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '\u00a0') {
        this.i++;
      } else if (c === '/' && src[this.i + 1] === '/') {
        while (this.i < src.length && src[this.i] !== '\n') this.i++;
      } else if (c === '/' && src[this.i + 1] === '*') {
        const line = this.line;
        const column = this.col();
        const end = src.indexOf('*/', this.i + 2);
        if (end < 0) throw syntaxError('unterminated /* comment', line, column);
        for (let k = this.i; k < end; k++) if (src[k] === '\n') this.newline(k);
        this.i = end + 2;
      } else if (c === '{') {
        // A tag: ignored. "\}" does not close it.
        const line = this.line;
        const column = this.col();
        let k = this.i + 1;
        while (k < src.length && src[k] !== '}') {
          if (src[k] === '\\') k++;
          else if (src[k] === '\n') this.newline(k);
          k++;
        }
        if (k >= src.length) throw syntaxError('unterminated {tag}', line, column);
        this.i = k + 1;
      } else {
        break;
      }
    }
  }
}

class Parser {
  private tok: Tok;
  private readonly lex: Lexer;
  readonly refs: { rule: string; pos: SourcePos }[] = [];

  constructor(src: string) {
    this.lex = new Lexer(src);
    if (!this.lex.header()) {
      const t = this.lex.next();
      throw syntaxError('expected the header "#JSGF V1.0;"', t.line, t.column);
    }
    this.tok = this.lex.next();
  }

  grammar(): JsgfGrammar {
    const g = this.tok;
    if (g.kind !== 'word' || g.text !== 'grammar') this.fail('expected "grammar <name>;"');
    this.advance();
    const nameTok = this.tok;
    if (nameTok.kind !== 'word') this.fail('expected a grammar name');
    this.advance();
    this.expect(';');
    const rules = new Map<string, JsgfRule>();
    while (this.tok.kind !== 'eof') {
      const start = this.tok;
      if (start.kind === 'word' && start.text === 'import') this.fail('imports are not supported');
      let isPublic = false;
      if (start.kind === 'word' && start.text === 'public') {
        isPublic = true;
        this.advance();
      }
      const nameT = this.tok;
      if (nameT.kind !== 'rule') this.fail('expected a rule definition "<name> = …;"');
      if (nameT.text === 'NULL' || nameT.text === 'VOID') this.fail(`<${nameT.text}> cannot be redefined`);
      if (rules.has(nameT.text)) this.fail(`rule <${nameT.text}> defined twice`);
      this.advance();
      this.expect('=');
      const expansion = this.alternatives();
      this.expect(';');
      rules.set(nameT.text, { name: nameT.text, isPublic, expansion, pos: { line: nameT.line, column: nameT.column } });
    }
    const name = nameTok.text;
    for (const r of this.refs) {
      if (rules.has(r.rule)) continue;
      const dot = r.rule.lastIndexOf('.');
      if (dot > 0 && r.rule.slice(0, dot) === name && rules.has(r.rule.slice(dot + 1))) continue;
      throw new GraphError('GRAMMAR_UNKNOWN_RULE', `line ${r.pos.line}, column ${r.pos.column}: no rule <${r.rule}>`, {
        rule: r.rule,
        line: r.pos.line,
        column: r.pos.column,
      });
    }
    return { name, rules };
  }

  private advance(): void {
    this.tok = this.lex.next();
  }

  private fail(message: string): never {
    throw syntaxError(message, this.tok.line, this.tok.column);
  }

  private is(p: string): boolean {
    return this.tok.kind === 'punct' && this.tok.text === p;
  }

  private expect(p: string): void {
    if (!this.is(p)) this.fail(`expected "${p}"${this.tok.kind === 'eof' ? ' before the end' : ''}`);
    this.advance();
  }

  private alternatives(): JsgfExpansion {
    const alts: JsgfAlternative[] = [];
    let weighted: boolean | undefined;
    for (;;) {
      const first = this.tok;
      let weight = 1;
      const hasWeight = first.kind === 'weight';
      if (weighted === undefined) weighted = hasWeight;
      else if (weighted !== hasWeight) this.fail('either every alternative of a group has a /weight/ or none');
      if (hasWeight) {
        weight = first.value;
        if (!Number.isFinite(weight)) this.fail('bad weight');
        this.advance();
      }
      alts.push({ weight, expansion: this.sequence() });
      if (!this.is('|')) break;
      this.advance();
    }
    if (alts.length === 1 && !weighted) return alts[0].expansion;
    if (weighted && alts.every((a) => a.weight === 0)) {
      throw syntaxError('the weights of a group sum to zero', this.tok.line, this.tok.column);
    }
    return { kind: 'alternatives', alternatives: alts, weighted: weighted ?? false };
  }

  private sequence(): JsgfExpansion {
    const items: JsgfExpansion[] = [];
    for (;;) {
      const item = this.item();
      if (item === undefined) break;
      items.push(item);
    }
    if (items.length === 0) this.fail('expected a token, <rule>, ( or [');
    return items.length === 1 ? items[0] : { kind: 'sequence', items };
  }

  private item(): JsgfExpansion | undefined {
    let e = this.primary();
    if (e === undefined) return undefined;
    while (this.is('*') || this.is('+')) {
      e = { kind: 'repeat', body: e, min: this.tok.text === '*' ? 0 : 1 };
      this.advance();
    }
    return e;
  }

  private primary(): JsgfExpansion | undefined {
    const t = this.tok;
    const pos = { line: t.line, column: t.column };
    if (t.kind === 'word' || t.kind === 'quoted') {
      this.advance();
      let words: string[];
      try {
        words = normalizeText(t.text);
      } catch (e) {
        if (e instanceof GraphError) throw new GraphError(e.code, `line ${pos.line}, column ${pos.column}: ${e.message}`, { ...e.details, ...pos });
        throw e;
      }
      return words.length === 0 ? { kind: 'null', pos } : { kind: 'words', words, pos };
    }
    if (t.kind === 'rule') {
      this.advance();
      if (t.text === 'NULL') return { kind: 'null', pos };
      if (t.text === 'VOID') return { kind: 'void', pos };
      this.refs.push({ rule: t.text, pos });
      return { kind: 'ruleref', rule: t.text, pos };
    }
    if (this.is('(')) {
      this.advance();
      const e = this.alternatives();
      this.expect(')');
      return e;
    }
    if (this.is('[')) {
      this.advance();
      const e = this.alternatives();
      this.expect(']');
      return { kind: 'optional', body: e };
    }
    return undefined;
  }
}

/**
 * Parses a JSGF grammar: the "#JSGF V1.0 [encoding [locale]];" header and "grammar name;" declaration (both
 * required), then rules "[public] <name> = expansion;" with alternatives `|`, optional `/weight/` before each
 * alternative (all or none within a group; weights ≥ 0), grouping `( )`, optional `[ ]`, repeats `*` and `+`,
 * references `<rule>` (also `<grammar.rule>` for this grammar), `<NULL>` and `<VOID>`, tokens plain or "quoted",
 * comments `//` and `/* *\/`; `{tags}` are skipped; `import` is not supported. Tokens are normalised with
 * `normalizeText` (lowercase, hyphens split, single digits spelled out), so "living-room" is two words.
 * Throws GRAMMAR_SYNTAX (details.line, column), GRAMMAR_UNKNOWN_RULE (rule, line, column), WORD_UNSPELLABLE (with
 * line, column). Cost: O(length of text).
 */
export function parseJsgf(text: string): JsgfGrammar {
  return new Parser(text).grammar();
}

/** Options of `jsgfToFst`. Unknown keys are rejected (GRAPH_OPTION). */
export interface JsgfToFstOptions {
  /** Compile only this rule (public or not) instead of the union of the public rules. Default: all public rules. */
  root?: string;
  /** Throw WORD_OOV for a word missing from the word table instead of adding it. Default false (add). */
  closedVocabulary?: boolean;
  /** Give up with GRAMMAR_LIMIT when expansion needs more states than this. Default 1,000,000. */
  maxStates?: number;
  /** Give up with GRAMMAR_LIMIT when expansion needs more arcs than this. Default 10,000,000. */
  maxArcs?: number;
}

const JSGF_OPTION_KEYS = ['root', 'closedVocabulary', 'maxStates', 'maxArcs'] as const;

/** A compiled fragment: its start state (which no arc enters) and its final states (weights stored in the FST). */
interface Frag {
  start: StateId;
  finals: StateId[];
}

/**
 * Builds epsilon-free fragments (a weighted Glushkov construction): concatenation and loops copy the arcs of a
 * fragment's start state onto its final states, and unions copy them onto a new start. Fragment starts have no
 * incoming arcs, so a start whose arcs were copied becomes unreachable and `connect` removes it at the end.
 * Final states with no arcs and equal final weights have the same future, so unions and concatenations merge them
 * (arcs into a merged state are redirected at the end): `<name> <name>` over n names then costs O(n), not O(n²).
 */
class FragmentBuilder {
  readonly fst = new VectorFst();
  private readonly view = new ArcView();
  private scratch: number[] = [];
  /** alias[s] !== s: state s was merged into alias[s]. */
  private readonly alias: number[] = [];
  private arcs = 0;

  constructor(
    private readonly grammar: JsgfGrammar,
    private readonly words: WordTable,
    private readonly closed: boolean,
    private readonly maxStates: number,
    private readonly maxArcs: number,
  ) {
    this.fst.isymbols = words.symbols;
    this.fst.osymbols = words.symbols;
  }

  private state(): StateId {
    if (this.fst.numStates() >= this.maxStates) {
      throw new GraphError('GRAMMAR_LIMIT', `grammar expansion exceeds ${this.maxStates} states`, { limit: this.maxStates });
    }
    const s = this.fst.addState();
    this.alias.push(s);
    return s;
  }

  private arc(s: StateId, label: number, weight: number, next: StateId): void {
    if (++this.arcs > this.maxArcs) {
      throw new GraphError('GRAMMAR_LIMIT', `grammar expansion exceeds ${this.maxArcs} arcs`, { limit: this.maxArcs });
    }
    this.fst.addArc(s, label, label, weight, next);
  }

  /** Adds the arcs of `from` to `to`, each times `cost`. */
  private copyArcs(from: StateId, to: StateId, cost: number): void {
    const v = this.fst.arcs(from, this.view);
    const buf = this.scratch;
    buf.length = 0;
    for (let a = v.begin; a < v.end; a++) buf.push(v.ilabel[a], v.weight[a], v.nextstate[a]);
    for (let i = 0; i < buf.length; i += 3) this.arc(to, buf[i], buf[i + 1] + cost, buf[i + 2]);
  }

  /** Merges the arc-less final states of `finals` (other than `start`) that share a final weight. */
  private mergeLeaves(start: StateId, finals: StateId[]): StateId[] {
    if (finals.length < 2) return finals;
    const byWeight = new Map<number, StateId>();
    const out: StateId[] = [];
    for (const s of finals) {
      if (s === start || this.fst.numArcs(s) > 0) {
        out.push(s);
        continue;
      }
      const w = this.fst.final(s);
      const rep = byWeight.get(w);
      if (rep === undefined) {
        byWeight.set(w, s);
        out.push(s);
      } else {
        this.alias[s] = rep;
      }
    }
    return out;
  }

  /** Redirects arcs into merged states to their representatives. O(V + E). */
  resolveAliases(): void {
    const alias = this.alias;
    const find = (s: number): number => {
      while (alias[s] !== s) s = alias[s] = alias[alias[s]];
      return s;
    };
    const fst = this.fst;
    const v = this.view;
    for (let s = 0, n = fst.numStates(); s < n; s++) {
      fst.arcs(s, v);
      for (let a = v.begin, k = 0; a < v.end; a++, k++) {
        const t = find(v.nextstate[a]);
        if (t !== v.nextstate[a]) fst.setArc(s, k, v.ilabel[a], v.olabel[a], v.weight[a], t);
      }
    }
  }

  rule(name: string): Frag {
    const rule = this.grammar.rules.get(name) ?? this.grammar.rules.get(name.slice(name.lastIndexOf('.') + 1));
    // parseJsgf resolved every reference and checkRecursion ran first, so the rule exists and expansion ends.
    return this.compile((rule as JsgfRule).expansion);
  }

  compile(e: JsgfExpansion): Frag {
    const fst = this.fst;
    switch (e.kind) {
      case 'words': {
        const start = this.state();
        let s = start;
        for (const w of e.words) {
          let id: number;
          try {
            id = this.closed ? this.words.lookup(w) : this.words.add(w);
          } catch (err) {
            if (err instanceof GraphError) throw new GraphError(err.code, err.message, { ...err.details, ...e.pos });
            throw err;
          }
          const t = this.state();
          this.arc(s, id, 0, t);
          s = t;
        }
        fst.setFinal(s, 0);
        return { start, finals: [s] };
      }
      case 'null': {
        const start = this.state();
        fst.setFinal(start, 0);
        return { start, finals: [start] };
      }
      case 'void':
        return { start: this.state(), finals: [] };
      case 'ruleref':
        return this.rule(e.rule);
      case 'sequence': {
        let f = this.compile(e.items[0]);
        for (let i = 1; i < e.items.length; i++) f = this.concat(f, this.compile(e.items[i]));
        return f;
      }
      case 'alternatives': {
        let total = 0;
        for (const a of e.alternatives) total += a.weight;
        const frags: Frag[] = [];
        const costs: number[] = [];
        for (const a of e.alternatives) {
          if (a.weight === 0) continue;
          frags.push(this.compile(a.expansion));
          costs.push(e.weighted ? -Math.log(a.weight / total) : 0);
        }
        return this.union(frags, costs);
      }
      case 'optional':
        return this.makeNullable(this.compile(e.body));
      case 'repeat': {
        const f = this.compile(e.body);
        for (const s of f.finals) if (s !== f.start) this.copyArcs(f.start, s, fst.final(s));
        return e.min === 0 ? this.makeNullable(f) : f;
      }
    }
  }

  private makeNullable(f: Frag): Frag {
    const w = this.fst.final(f.start);
    if (w <= 0) return f;
    this.fst.setFinal(f.start, 0);
    return w === Infinity ? { start: f.start, finals: [...f.finals, f.start] } : f;
  }

  private concat(a: Frag, b: Frag): Frag {
    const fst = this.fst;
    const bStartFinal = fst.final(b.start);
    const finals = b.finals.filter((s) => s !== b.start);
    for (const f of a.finals) {
      const wf = fst.final(f);
      this.copyArcs(b.start, f, wf);
      const nf = bStartFinal === Infinity ? Infinity : wf + bStartFinal;
      fst.setFinal(f, nf);
      if (nf !== Infinity) finals.push(f);
    }
    return { start: a.start, finals: this.mergeLeaves(a.start, finals) };
  }

  union(frags: Frag[], costs: number[]): Frag {
    if (frags.length === 1 && costs[0] === 0) return frags[0];
    const fst = this.fst;
    const start = this.state();
    const finals: StateId[] = [];
    let startFinal = Infinity;
    for (let i = 0; i < frags.length; i++) {
      const f = frags[i];
      this.copyArcs(f.start, start, costs[i]);
      const w = fst.final(f.start);
      if (w !== Infinity) startFinal = Math.min(startFinal, w + costs[i]);
      for (const s of f.finals) if (s !== f.start) finals.push(s);
    }
    if (startFinal !== Infinity) {
      fst.setFinal(start, startFinal);
      finals.push(start);
    }
    return { start, finals: this.mergeLeaves(start, finals) };
  }
}

/** Rejects rule recursion reachable from `roots` (GRAMMAR_RECURSION with the cycle), before any expansion. */
function checkRecursion(grammar: JsgfGrammar, roots: string[]): void {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const resolve = (name: string): string => (grammar.rules.has(name) ? name : name.slice(name.lastIndexOf('.') + 1));
  const visitExpansion = (e: JsgfExpansion): void => {
    switch (e.kind) {
      case 'ruleref':
        visit(resolve(e.rule));
        return;
      case 'sequence':
        e.items.forEach(visitExpansion);
        return;
      case 'alternatives':
        e.alternatives.forEach((a) => visitExpansion(a.expansion));
        return;
      case 'optional':
      case 'repeat':
        visitExpansion(e.body);
        return;
      default:
        return;
    }
  };
  const visit = (name: string): void => {
    const st = state.get(name);
    if (st === 2) return;
    if (st === 1) {
      const cycle = [...stack.slice(stack.indexOf(name)), name];
      throw new GraphError('GRAMMAR_RECURSION', `rule <${name}> is recursive: ${cycle.join(' → ')}`, { rule: name, cycle });
    }
    const rule = grammar.rules.get(name);
    if (!rule) return;
    state.set(name, 1);
    stack.push(name);
    visitExpansion(rule.expansion);
    stack.pop();
    state.set(name, 2);
  };
  roots.forEach(visit);
}

/**
 * Compiles a grammar to G, a tropical word acceptor over `words` (new words are added to the table unless
 * `closedVocabulary`): the union of the public rules (each at cost 0), or `opts.root`. An alternative of weight w
 * in a weighted group costs −ln(w / Σw) over that group; `[x]` and `x*` accept the empty sequence at cost 0. Rule
 * references are expanded in place (a copy a reference). The result is epsilon-free, connected and input-label
 * sorted, but not deterministic ("turn on | turn off" leaves two "turn" arcs): determinize and minimize downstream.
 * Throws GRAMMAR_RECURSION for a reachable recursive rule, GRAMMAR_UNKNOWN_RULE for an unknown root, GRAMMAR_EMPTY
 * when there is no public rule or nothing is accepted, GRAMMAR_LIMIT past `maxStates` or `maxArcs`, WORD_OOV,
 * WORD_TABLE_FROZEN.
 * Cost: linear in the size of the expanded grammar for usual grammars; concatenations and loops copy a fragment's
 * start arcs onto each of its final states that has arcs (arc-less finals are merged first), which can be quadratic
 * for pathological grammars: hence the limits.
 */
export function jsgfToFst(grammar: JsgfGrammar, words: WordTable, opts: JsgfToFstOptions = {}): VectorFst {
  checkOptionKeys(opts, JSGF_OPTION_KEYS, 'jsgfToFst');
  const maxStates = opts.maxStates ?? 1_000_000;
  const maxArcs = opts.maxArcs ?? 10_000_000;
  for (const [option, value] of [['maxStates', maxStates], ['maxArcs', maxArcs]] as const) {
    if (!(Number.isInteger(value) && value > 0)) {
      throw new GraphError('GRAPH_OPTION', `jsgfToFst: bad ${option}`, { option, value });
    }
  }
  let roots: string[];
  if (opts.root !== undefined) {
    if (!grammar.rules.has(opts.root)) {
      throw new GraphError('GRAMMAR_UNKNOWN_RULE', `no rule <${opts.root}>`, { rule: opts.root });
    }
    roots = [opts.root];
  } else {
    roots = [...grammar.rules.values()].filter((r) => r.isPublic).map((r) => r.name);
    if (roots.length === 0) throw new GraphError('GRAMMAR_EMPTY', 'the grammar has no public rule', { reason: 'no public rule' });
  }
  checkRecursion(grammar, roots);
  const b = new FragmentBuilder(grammar, words, opts.closedVocabulary ?? false, maxStates, maxArcs);
  const frags = roots.map((r) => b.rule(r));
  const root = b.union(frags, frags.map(() => 0));
  b.fst.setStart(root.start);
  b.resolveAliases();
  connect(b.fst);
  if (b.fst.numStates() === 0) throw new GraphError('GRAMMAR_EMPTY', 'the grammar accepts no sentence', { reason: 'accepts nothing' });
  arcSort(b.fst, 'ilabel');
  return b.fst;
}

/** Parses and compiles in one step: `jsgfToFst(parseJsgf(text), words, opts)`. */
export function compileJsgf(text: string, words: WordTable, opts: JsgfToFstOptions = {}): VectorFst {
  return jsgfToFst(parseJsgf(text), words, opts);
}
