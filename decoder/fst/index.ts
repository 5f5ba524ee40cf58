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
export { rmEpsilon, type RmEpsilonOptions } from './rm-epsilon.ts';
export { shortestPath, type ShortestPathOptions } from './shortest-path.ts';
export { topSort } from './top-sort.ts';
export { randGen, type RandGenOptions } from './rand-gen.ts';
export { reverse, type ReverseOptions } from './reverse.ts';
export { union } from './union.ts';
export { concat } from './concat.ts';
export { closure, type ClosureType } from './closure.ts';
export { replace, type ReplaceOptions } from './replace.ts';
export { arcSort, type ArcSortType } from './arc-sort.ts';
export { connect } from './connect.ts';
export { project, type ProjectType } from './project.ts';
export { invert } from './invert.ts';
export { shortestDistance, type ShortestDistanceOptions } from './shortest-distance.ts';
