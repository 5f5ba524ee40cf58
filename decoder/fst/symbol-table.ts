// Symbol tables in OpenFst's text format ("symbol<whitespace>id" a line).

import { FstError } from './errors.ts';

/** A bijection between symbols and non-negative integer ids (OpenFst's SymbolTable). */
export class SymbolTable {
  name: string;
  private readonly byId = new Map<number, string>();
  private readonly bySym = new Map<string, number>();
  private nextId = 0;

  constructor(name = '') {
    this.name = name;
  }

  /** Parses OpenFst text format. Blank lines are skipped; anything else must be "symbol id". */
  static fromText(text: string, name = ''): SymbolTable {
    const st = new SymbolTable(name);
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '') continue;
      const parts = line.split(/\s+/);
      if (parts.length !== 2 || !/^-?\d+$/.test(parts[1])) {
        throw new FstError('FST_PARSE', `symbol table line ${i + 1}: expected "symbol id"`, { line: i + 1 });
      }
      const id = Number(parts[1]);
      if (id < 0) throw new FstError('FST_PARSE', `symbol table line ${i + 1}: negative id`, { line: i + 1 });
      st.addSymbol(parts[0], id);
    }
    return st;
  }

  /** Adds a symbol, with the given id or the next free one; returns its id (the existing one if present). */
  addSymbol(symbol: string, id?: number): number {
    const old = this.bySym.get(symbol);
    if (old !== undefined) return old;
    const k = id ?? this.nextId;
    this.bySym.set(symbol, k);
    if (!this.byId.has(k)) this.byId.set(k, symbol);
    if (k >= this.nextId) this.nextId = k + 1;
    return k;
  }

  /** The id of a symbol, or -1. */
  find(symbol: string): number {
    return this.bySym.get(symbol) ?? -1;
  }

  /** The symbol of an id, or undefined. */
  symbol(id: number): string | undefined {
    return this.byId.get(id);
  }

  /** One more than the largest id (OpenFst's AvailableKey). */
  availableKey(): number {
    return this.nextId;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Symbols and ids in id order. */
  entries(): [string, number][] {
    return [...this.byId.entries()].sort((a, b) => a[0] - b[0]).map(([id, s]) => [s, id]);
  }

  toText(): string {
    return this.entries()
      .map(([s, id]) => `${s}\t${id}\n`)
      .join('');
  }
}

/**
 * True when two tables may label the same side of composed or combined FSTs (OpenFst's CompatSymbols): a missing
 * table is compatible with anything; otherwise the same symbol for every id. O(size).
 */
export function compatSymbols(a: SymbolTable | undefined, b: SymbolTable | undefined): boolean {
  if (a === undefined || b === undefined || a === b) return true;
  if (a.size !== b.size) return false;
  for (const [symbol, id] of a.entries()) if (b.symbol(id) !== symbol) return false;
  return true;
}
