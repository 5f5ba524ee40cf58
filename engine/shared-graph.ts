// A compiled graph in SharedArrayBuffers, as it crosses threads (compile worker → engine → decode workers) uncopied.

import { ConstFst, type ConstFstArrays } from '../decoder/fst/const-fst.ts';
import { semiringByName } from '../decoder/fst/semiring.ts';
import { SymbolTable } from '../decoder/fst/symbol-table.ts';
import type { CompiledGraph, GraphInfo } from '../decoder/graph/tlg.ts';
import { TokenTable } from '../decoder/graph/tokens.ts';
import { WordTable } from '../decoder/graph/words.ts';
import { EngineError } from './errors.ts';

/** A compiled graph in shared memory: what another thread needs to rebuild it without copying the arcs. */
export interface SharedGraph {
  semiring: 'tropical' | 'log';
  props: number;
  arrays: ConstFstArrays;
  wordsText: string;
  tokens: { names: readonly string[]; blank: number; space: number | null };
  info: GraphInfo;
}

function shared<T extends Int32Array | Float32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const sab = new SharedArrayBuffer(a.byteLength);
  const out = (a instanceof Int32Array ? new Int32Array(sab) : new Float32Array(sab)) as T;
  out.set(a);
  return out;
}

/**
 * A graph's CSR arrays in SharedArrayBuffers (copied once, O(E); arrays already shared are kept as they are, O(1)),
 * with its tables as text. Posting the result to another thread shares the arcs rather than copying them.
 */
export function shareGraph(graph: CompiledGraph): SharedGraph {
  const t = graph.tlg;
  return {
    semiring: t.semiring.name,
    props: t.properties(-1, false),
    arrays: {
      start: t.startState,
      finals: shared(t.finals),
      arcStart: shared(t.arcStart),
      ilabel: shared(t.ilabel),
      olabel: shared(t.olabel),
      nextstate: shared(t.nextstate),
      weight: shared(t.weight),
    },
    wordsText: graph.words.symbols.toText(),
    tokens: { names: graph.tokens.tokens, blank: graph.tokens.blank, space: graph.tokens.space < 0 ? null : graph.tokens.space },
    info: graph.info,
  };
}

/**
 * The compiled graph of a shared one: a `ConstFst` over the same shared arrays, and its tables rebuilt from text
 * (O(words)). `tokens`, when given, is used instead of a rebuilt table (it must be the table the graph was built for).
 */
export function graphFromShared(g: SharedGraph, tokens?: TokenTable): CompiledGraph {
  const semiring = semiringByName(g.semiring);
  if (semiring === undefined) throw new EngineError('ENGINE_INTERNAL', `unknown semiring ${g.semiring}`, { cause: 'semiring' });
  const words = WordTable.fromSymbolTable(SymbolTable.fromText(g.wordsText, 'words'));
  const tk = tokens ?? new TokenTable(g.tokens.names, { blank: g.tokens.blank, space: g.tokens.space });
  const tlg = new ConstFst(semiring, g.arrays, g.props, tk.symbols(), words.symbols);
  return { tlg, words, tokens: tk, info: g.info };
}
