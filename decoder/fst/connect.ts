// Connect (trim): removes states that are not both accessible and co-accessible (OpenFst's Connect).

import type { MutableFst } from './fst.ts';
import { NO_STATE } from './fst.ts';
import { Props, sccInfo } from './properties.ts';

/**
 * Deletes every state not on a path from the start to a final state, keeping the others in their order.
 * An FST with no successful path becomes empty (no states, no start), as in OpenFst.
 * Sets ACCESSIBLE and COACCESSIBLE. Cost: O(V + E) time and memory.
 */
export function connect(fst: MutableFst): void {
  const saved = fst.properties(-1, false);
  const n = fst.numStates();
  const info = sccInfo(fst);
  const dead = new Uint8Array(n);
  let any = false;
  for (let s = 0; s < n; s++) {
    if (!info.access[s] || !info.coaccess[s]) {
      dead[s] = 1;
      any = true;
    }
  }
  if (any) fst.deleteStates(dead);
  if (fst.start() === NO_STATE && fst.numStates() > 0) fst.deleteAllStates();
  const keep =
    Props.ACCEPTOR | Props.I_DETERMINISTIC | Props.O_DETERMINISTIC | Props.NO_EPSILONS |
    Props.NO_I_EPSILONS | Props.NO_O_EPSILONS | Props.I_LABEL_SORTED | Props.O_LABEL_SORTED |
    Props.UNWEIGHTED | Props.ACYCLIC | Props.INITIAL_ACYCLIC | Props.TOP_SORTED;
  fst.setProperties((saved & keep) | Props.ACCESSIBLE | Props.COACCESSIBLE, keep | Props.ACCESSIBLE | Props.COACCESSIBLE);
}
