// Public API of the WFST library.

export * from './errors.ts';
export * from './semiring.ts';
export * from './fst.ts';
export * from './properties.ts';
export { VectorFst } from './vector-fst.ts';
export { ConstFst, type ConstFstArrays } from './const-fst.ts';
export { SymbolTable } from './symbol-table.ts';
export * from './text-format.ts';
export * from './binary-format.ts';
export { compose, type ComposeOptions, type ComposeFilter } from './compose.ts';
