// Word and character error rates: Levenshtein alignment with substitution, deletion and insertion counts.

/** Edit counts of one alignment of a hypothesis against a reference. */
export interface EditCounts {
  /** Reference units aligned to a different hypothesis unit. */
  substitutions: number;
  /** Reference units with no hypothesis unit. */
  deletions: number;
  /** Hypothesis units with no reference unit. */
  insertions: number;
  /** Reference units matched exactly. */
  hits: number;
  /** Units in the reference (hits + substitutions + deletions). */
  refLength: number;
}

/**
 * The minimum-edit alignment of `hyp` against `ref` (unit cost for each substitution, deletion and insertion) and
 * its counts. Among alignments of equal total cost the one preferring substitutions, then deletions, then
 * insertions is counted (so "a b" → "c" is 1 substitution + 1 deletion, never 2 deletions + 1 insertion).
 * O(|ref|·|hyp|) time, O(|hyp|) memory.
 */
export function alignCounts<T>(ref: readonly T[], hyp: readonly T[]): EditCounts {
  const m = hyp.length;
  // Per cell: total cost, then substitutions, deletions, insertions along the chosen path.
  let cost = new Int32Array(m + 1);
  let sub = new Int32Array(m + 1);
  let del = new Int32Array(m + 1);
  let ins = new Int32Array(m + 1);
  let nCost = new Int32Array(m + 1);
  let nSub = new Int32Array(m + 1);
  let nDel = new Int32Array(m + 1);
  let nIns = new Int32Array(m + 1);
  for (let j = 0; j <= m; j++) {
    cost[j] = j;
    ins[j] = j;
  }
  for (let i = 1; i <= ref.length; i++) {
    nCost[0] = i;
    nSub[0] = 0;
    nDel[0] = i;
    nIns[0] = 0;
    const r = ref[i - 1];
    for (let j = 1; j <= m; j++) {
      const same = r === hyp[j - 1];
      const diag = cost[j - 1] + (same ? 0 : 1);
      const up = cost[j] + 1;
      const left = nCost[j - 1] + 1;
      if (diag <= up && diag <= left) {
        nCost[j] = diag;
        nSub[j] = sub[j - 1] + (same ? 0 : 1);
        nDel[j] = del[j - 1];
        nIns[j] = ins[j - 1];
      } else if (up <= left) {
        nCost[j] = up;
        nSub[j] = sub[j];
        nDel[j] = del[j] + 1;
        nIns[j] = ins[j];
      } else {
        nCost[j] = left;
        nSub[j] = nSub[j - 1];
        nDel[j] = nDel[j - 1];
        nIns[j] = nIns[j - 1] + 1;
      }
    }
    [cost, nCost] = [nCost, cost];
    [sub, nSub] = [nSub, sub];
    [del, nDel] = [nDel, del];
    [ins, nIns] = [nIns, ins];
  }
  const s = sub[m];
  const d = del[m];
  return { substitutions: s, deletions: d, insertions: ins[m], hits: ref.length - s - d, refLength: ref.length };
}

/**
 * A transcript as scored words: lowercase, typographic apostrophes as "'", every character other than letters,
 * digits and apostrophes a separator (so punctuation and hyphens split or vanish). O(length).
 */
export function normalizeTranscript(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`\u00b4]/g, "'")
    .split(/[^\p{L}\p{N}']+/u)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w !== '');
}

/** Word edits of a hypothesis text against a reference text (both normalised). */
export function wordErrors(ref: string, hyp: string): EditCounts {
  return alignCounts(normalizeTranscript(ref), normalizeTranscript(hyp));
}

/** Character edits of the normalised texts, words joined by single spaces (spaces count as characters). */
export function charErrors(ref: string, hyp: string): EditCounts {
  return alignCounts([...normalizeTranscript(ref).join(' ')], [...normalizeTranscript(hyp).join(' ')]);
}

/** (S + D + I) / N; 0 when the reference is empty and so is the hypothesis, Infinity when only the reference is. */
export function errorRate(c: EditCounts): number {
  const edits = c.substitutions + c.deletions + c.insertions;
  if (c.refLength === 0) return edits === 0 ? 0 : Infinity;
  return edits / c.refLength;
}

/** Corpus-level error rates: edits summed over utterances, divided by the summed reference length. */
export class ErrorRateAccumulator {
  readonly words: EditCounts = { substitutions: 0, deletions: 0, insertions: 0, hits: 0, refLength: 0 };
  readonly chars: EditCounts = { substitutions: 0, deletions: 0, insertions: 0, hits: 0, refLength: 0 };
  utterances = 0;

  /** Scores one utterance and adds it; returns its word and character counts. */
  add(ref: string, hyp: string): { words: EditCounts; chars: EditCounts } {
    const w = wordErrors(ref, hyp);
    const c = charErrors(ref, hyp);
    for (const k of ['substitutions', 'deletions', 'insertions', 'hits', 'refLength'] as const) {
      this.words[k] += w[k];
      this.chars[k] += c[k];
    }
    this.utterances++;
    return { words: w, chars: c };
  }

  get wer(): number {
    return errorRate(this.words);
  }

  get cer(): number {
    return errorRate(this.chars);
  }
}
