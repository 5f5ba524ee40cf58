// The CTC token table and the one mapping between token ids and FST labels (label = tokenId + 1, 0 = epsilon).

import { EPSILON, type Label } from '../fst/fst.ts';
import { SymbolTable } from '../fst/symbol-table.ts';
import { GraphError, checkOptionKeys } from './errors.ts';

/** A token id: the index of a token in the acoustic model's output vector (0 … size-1). */
export type TokenId = number;

/** No token (e.g. the space of a table without one). */
export const NO_TOKEN: TokenId = -1;

/** Names read as the CTC blank when no `blank` option is given (the first match wins; else token 0 is blank). */
export const BLANK_NAMES: readonly string[] = Object.freeze(['<blk>', '<blank>', '<b>', '<pad>']);

/** Names read as the word separator when no `space` option is given (SentencePiece's ▁, wav2vec2's |). */
export const SPACE_NAMES: readonly string[] = Object.freeze(['<space>', '<SPACE>', '▁', '|']);

/** The tokens of our English character model: blank, space, apostrophe, a–z (29 tokens, blank id 0). */
export const DEFAULT_TOKENS: readonly string[] = Object.freeze([
  '<blk>',
  '<space>',
  "'",
  ...Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i)),
]);

/** The epsilon symbol at label 0 of every label table. */
const EPSILON_SYMBOL = '<eps>';
const DISAMBIG_RE = /^#\d+$/;

/** Options of `TokenTable`. Unknown keys are rejected (GRAPH_OPTION). */
export interface TokenTableOptions {
  /** The blank token, by name or id. Default: the first token named as in `BLANK_NAMES`, else token 0. */
  blank?: string | TokenId;
  /**
   * The word separator, by name or id, or null for a model without one (words are then simply concatenated).
   * Default: the first token named as in `SPACE_NAMES`, else none.
   */
  space?: string | TokenId | null;
}

const TOKEN_TABLE_OPTION_KEYS = ['blank', 'space'] as const;

function optionError(message: string, details: Record<string, unknown>): GraphError {
  return new GraphError('GRAPH_OPTION', message, { option: 'tokens', ...details });
}

/**
 * The acoustic model's tokens and their FST labels. This is the only place that knows the offset: token id t
 * is label t + 1 on the input side of T (and on the output side for non-blank tokens), label 0 is epsilon, and
 * labels above `size` are disambiguation symbols (#0, #1, … in order). The blank is an ordinary input label of T
 * that T never outputs.
 *
 * Single-character tokens other than blank and space spell words (`spell`); a table with only upper-case letters
 * spells lower-case words too. Token names are non-empty, free of whitespace, unique, and neither "<eps>" nor "#k"
 * (they become symbols of OpenFst text tables).
 */
export class TokenTable {
  /** Token names by id. */
  readonly tokens: readonly string[];
  /** The blank token's id. */
  readonly blank: TokenId;
  /** The word separator's id, or NO_TOKEN. */
  readonly space: TokenId;
  private readonly byName = new Map<string, TokenId>();
  private readonly byChar = new Map<string, TokenId>();

  /** Throws GRAPH_OPTION (details.option 'tokens') for an empty list, bad names or bad options. O(size). */
  constructor(tokens: readonly string[], opts: TokenTableOptions = {}) {
    checkOptionKeys(opts, TOKEN_TABLE_OPTION_KEYS, 'TokenTable');
    if (tokens.length < 2) throw optionError('a token table needs a blank and at least one other token', { value: tokens.length });
    tokens.forEach((t, id) => {
      if (t === '' || /\s/.test(t)) throw optionError(`token ${id} is empty or contains whitespace`, { value: t, token: id });
      if (t === EPSILON_SYMBOL || DISAMBIG_RE.test(t)) {
        throw optionError(`token ${id} "${t}" is reserved (epsilon or disambiguation symbol)`, { value: t, token: id });
      }
      if (this.byName.has(t)) throw optionError(`token "${t}" is listed twice`, { value: t, token: id });
      this.byName.set(t, id);
    });
    this.tokens = Object.freeze([...tokens]);
    this.blank = this.resolve(opts.blank, BLANK_NAMES, 'blank') ?? 0;
    const space = opts.space === null ? undefined : this.resolve(opts.space, SPACE_NAMES, 'space');
    this.space = space ?? NO_TOKEN;
    if (this.space === this.blank) throw optionError('the space token cannot be the blank', { value: this.space });
    // Exact single-character tokens first, then lower-case aliases of upper-case ones (never overriding).
    tokens.forEach((t, id) => {
      if (id !== this.blank && id !== this.space && [...t].length === 1) this.byChar.set(t, id);
    });
    tokens.forEach((t, id) => {
      const lower = t.toLowerCase();
      if (id !== this.blank && id !== this.space && [...t].length === 1 && !this.byChar.has(lower)) {
        this.byChar.set(lower, id);
      }
    });
  }

  private resolve(v: string | TokenId | undefined, names: readonly string[], what: string): TokenId | undefined {
    if (v === undefined) {
      for (const n of names) {
        const id = this.byName.get(n);
        if (id !== undefined) return id;
      }
      return undefined;
    }
    const id = typeof v === 'number' ? v : this.byName.get(v);
    if (id === undefined || !Number.isInteger(id) || id < 0 || id >= this.byName.size) {
      throw optionError(`the ${what} token ${JSON.stringify(v)} is not in the table`, { value: v });
    }
    return id;
  }

  /** Our 29-token English character model (`DEFAULT_TOKENS`). */
  static default(): TokenTable {
    return new TokenTable(DEFAULT_TOKENS);
  }

  /**
   * Parses a token list. Three layouts are recognised:
   * - a label table as this module writes it (tokens.txt, EESEN's layout): "<eps> 0" first, token t at t + 1;
   * - "token id" lines with ids 0 … n-1 (a model's units file);
   * - one token a line, the line's index (blank lines skipped) being the id.
   * Trailing "#k" entries (disambiguation symbols of a graph) are ignored. Throws GRAPH_OPTION with
   * details.line on malformed input. O(length).
   */
  static fromText(text: string, opts: TokenTableOptions = {}): TokenTable {
    const rows: { fields: string[]; line: number }[] = [];
    text.split('\n').forEach((raw, i) => {
      const l = raw.trim();
      if (l !== '') rows.push({ fields: l.split(/\s+/), line: i + 1 });
    });
    if (rows.length === 0) throw optionError('the token list is empty', { line: 1 });
    const withIds = rows.every((r) => r.fields.length === 2 && /^\d+$/.test(r.fields[1]));
    const names: string[] = [];
    if (!withIds) {
      for (const r of rows) {
        if (r.fields.length !== 1) throw optionError(`token list line ${r.line}: expected "token" or "token id"`, { line: r.line });
        if (!DISAMBIG_RE.test(r.fields[0])) names.push(r.fields[0]);
      }
      return new TokenTable(names, opts);
    }
    const offset = rows[0].fields[0] === EPSILON_SYMBOL && rows[0].fields[1] === '0' ? 1 : 0;
    for (const r of rows.slice(offset)) {
      const [sym, idText] = r.fields;
      if (DISAMBIG_RE.test(sym)) continue;
      const id = Number(idText) - offset;
      if (id !== names.length) {
        throw optionError(`token list line ${r.line}: ids must be dense from ${offset}`, { line: r.line, value: idText });
      }
      names.push(sym);
    }
    return new TokenTable(names, opts);
  }

  /** Number of tokens (including the blank). */
  get size(): number {
    return this.tokens.length;
  }

  /** The largest token label; disambiguation symbols start after it. */
  get maxTokenLabel(): Label {
    return this.tokens.length;
  }

  /** The FST label of a token. */
  label(token: TokenId): Label {
    return token + 1;
  }

  /** The token of an FST label, or NO_TOKEN for epsilon and disambiguation symbols. */
  token(label: Label): TokenId {
    return label === EPSILON || label > this.tokens.length ? NO_TOKEN : label - 1;
  }

  /** The blank's label. */
  get blankLabel(): Label {
    return this.blank + 1;
  }

  /** The space's label, or EPSILON when the table has no space. */
  get spaceLabel(): Label {
    return this.space === NO_TOKEN ? EPSILON : this.space + 1;
  }

  /** The label of token-side disambiguation symbol #k. */
  disambigLabel(k: number): Label {
    return this.tokens.length + 1 + k;
  }

  /** True when `label` is a disambiguation symbol (any label above the tokens). */
  isDisambig(label: Label): boolean {
    return label > this.tokens.length;
  }

  /** The id of a token by name, or NO_TOKEN. */
  find(name: string): TokenId {
    return this.byName.get(name) ?? NO_TOKEN;
  }

  /** The token spelling one character (a code point), or NO_TOKEN. */
  charToken(ch: string): TokenId {
    return this.byChar.get(ch) ?? NO_TOKEN;
  }

  /**
   * The tokens spelling `word` character by character, or the characters no token spells (as a string of
   * distinct characters) when there are some. O(length).
   */
  spell(word: string): { tokens: TokenId[] } | { missing: string } {
    const out: TokenId[] = [];
    let missing = '';
    for (const ch of word) {
      const t = this.byChar.get(ch);
      if (t === undefined) {
        if (!missing.includes(ch)) missing += ch;
      } else {
        out.push(t);
      }
    }
    return missing === '' ? { tokens: out } : { missing };
  }

  /**
   * The label symbol table: "<eps>" at 0, token t at t + 1, then "#0" … "#(numDisambig-1)". This is the input
   * symbol table of T and TLG, and the content of tokens.txt.
   */
  symbols(numDisambig = 0): SymbolTable {
    const st = new SymbolTable('tokens');
    st.addSymbol(EPSILON_SYMBOL, 0);
    this.tokens.forEach((t, id) => st.addSymbol(t, id + 1));
    for (let k = 0; k < numDisambig; k++) st.addSymbol(`#${k}`, this.disambigLabel(k));
    return st;
  }

  /** tokens.txt: the label table without disambiguation symbols (readable again by `fromText`). */
  toText(): string {
    return this.symbols().toText();
  }

  /** A canonical description for content hashes: names, blank and space. */
  fingerprint(): string {
    return JSON.stringify({ tokens: this.tokens, blank: this.blank, space: this.space });
  }
}
