// Our binary FST format: a fixed header, then the CSR arrays, loaded by viewing typed arrays (no per-arc parsing).

import { readFileSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { ConstFst } from './const-fst.ts';
import { FstError } from './errors.ts';
import type { Fst } from './fst.ts';
import { LogSemiring, TropicalSemiring } from './semiring.ts';
import { SymbolTable } from './symbol-table.ts';

/**
 * Layout (little-endian, every section 4-byte aligned):
 *   magic "WFSTCSR1" (8 bytes)
 *   int32 × 8: version, semiring (0 tropical, 1 log), numStates, numArcs, start, properties,
 *              input symbol table bytes, output symbol table bytes
 *   float32[numStates] finals, int32[numStates + 1] arcStart,
 *   int32[numArcs] ilabel, int32[numArcs] olabel, int32[numArcs] nextstate, float32[numArcs] weight,
 *   symbol tables in OpenFst text format (UTF-8), input then output.
 */
const MAGIC = 'WFSTCSR1';
const VERSION = 1;
const HEADER_BYTES = 8 + 8 * 4;

/** True when `bytes` starts with our binary magic. */
export function isBinaryFst(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.buffer, bytes.byteOffset, 8).toString('latin1') === MAGIC;
}

/** Serialises any FST. O(V + E); writes 16 bytes an arc and 8 a state. */
export function serializeFst(fst: Fst): Buffer {
  if (endianness() !== 'LE') throw new FstError('FST_FORMAT', 'binary FSTs are little-endian only');
  const c = fst instanceof ConstFst ? fst : ConstFst.from(fst);
  const n = c.numStates();
  const m = c.numArcsTotal();
  const isym = c.isymbols ? Buffer.from(c.isymbols.toText(), 'utf8') : Buffer.alloc(0);
  const osym = c.osymbols ? Buffer.from(c.osymbols.toText(), 'utf8') : Buffer.alloc(0);
  const body = 4 * n + 4 * (n + 1) + 16 * m;
  const buf = Buffer.alloc(HEADER_BYTES + body + isym.length + osym.length);
  buf.write(MAGIC, 0, 'latin1');
  const hdr = new Int32Array(buf.buffer, buf.byteOffset + 8, 8);
  hdr[0] = VERSION;
  hdr[1] = c.semiring.name === 'log' ? 1 : 0;
  hdr[2] = n;
  hdr[3] = m;
  hdr[4] = c.start();
  hdr[5] = c.properties(-1, false);
  hdr[6] = isym.length;
  hdr[7] = osym.length;
  let off = HEADER_BYTES;
  const put = (a: Int32Array | Float32Array, len: number) => {
    Buffer.from(a.buffer, a.byteOffset, len * 4).copy(buf, off);
    off += len * 4;
  };
  put(c.finals, n);
  put(c.arcStart, n + 1);
  put(c.ilabel, m);
  put(c.olabel, m);
  put(c.nextstate, m);
  put(c.weight, m);
  isym.copy(buf, off);
  off += isym.length;
  osym.copy(buf, off);
  return buf;
}

/**
 * Loads a serialised FST as a ConstFst whose arrays are views of `bytes` (copied once only when misaligned).
 * O(1) for the arrays; symbol tables, when present, are parsed.
 */
export function deserializeFst(bytes: Uint8Array): ConstFst {
  if (endianness() !== 'LE') throw new FstError('FST_FORMAT', 'binary FSTs are little-endian only');
  if (bytes.length < HEADER_BYTES || !isBinaryFst(bytes)) {
    throw new FstError('FST_FORMAT', 'not a binary FST (bad magic or too short)');
  }
  let b = bytes;
  if (b.byteOffset % 4 !== 0) b = new Uint8Array(b);
  const hdr = new Int32Array(b.buffer, b.byteOffset + 8, 8);
  const [version, sr, n, m, start, props, ilen, olen] = hdr;
  if (version !== VERSION) throw new FstError('FST_FORMAT', `unsupported binary FST version ${version}`);
  if (sr !== 0 && sr !== 1) throw new FstError('FST_FORMAT', `unknown semiring code ${sr}`);
  if (n < 0 || m < 0 || ilen < 0 || olen < 0) throw new FstError('FST_FORMAT', 'negative size in header');
  const need = HEADER_BYTES + 4 * n + 4 * (n + 1) + 16 * m + ilen + olen;
  if (b.length < need) throw new FstError('FST_FORMAT', `truncated binary FST: ${b.length} of ${need} bytes`);
  let off = b.byteOffset + HEADER_BYTES;
  const i32 = (len: number) => {
    const a = new Int32Array(b.buffer, off, len);
    off += 4 * len;
    return a;
  };
  const f32 = (len: number) => {
    const a = new Float32Array(b.buffer, off, len);
    off += 4 * len;
    return a;
  };
  const finals = f32(n);
  const arcStart = i32(n + 1);
  const ilabel = i32(m);
  const olabel = i32(m);
  const nextstate = i32(m);
  const weight = f32(m);
  if (arcStart[0] !== 0 || arcStart[n] !== m) throw new FstError('FST_FORMAT', 'arc offsets inconsistent');
  const text = (len: number) => {
    const s = Buffer.from(b.buffer, off, len).toString('utf8');
    off += len;
    return s;
  };
  const isymbols = ilen > 0 ? SymbolTable.fromText(text(ilen)) : undefined;
  const osymbols = olen > 0 ? SymbolTable.fromText(text(olen)) : undefined;
  return new ConstFst(
    sr === 1 ? LogSemiring : TropicalSemiring,
    { start, finals, arcStart, ilabel, olabel, nextstate, weight },
    props,
    isymbols,
    osymbols,
  );
}

/** Writes an FST to a file in our binary format. */
export function writeFstFile(path: string, fst: Fst): void {
  try {
    writeFileSync(path, serializeFst(fst));
  } catch (e) {
    if (e instanceof FstError) throw e;
    throw new FstError('FST_IO', `cannot write ${path}: ${(e as Error).message}`, { path });
  }
}

/** Reads an FST file in our binary format. */
export function readFstFile(path: string): ConstFst {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new FstError('FST_IO', `cannot read ${path}: ${(e as Error).message}`, { path });
  }
  return deserializeFst(bytes);
}
