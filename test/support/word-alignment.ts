// Test helper for recognition results: which hypothesis words a longest common subsequence with the reference keeps.

/**
 * For each word of `hyp`, whether a longest common subsequence with `ref` keeps it (a correctly recognised
 * word). Cost: O(|ref| · |hyp|).
 */
export function correctWords(ref: readonly string[], hyp: readonly string[]): boolean[] {
  const n = ref.length;
  const m = hyp.length;
  const dp = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let a = n - 1; a >= 0; a--) {
    for (let b = m - 1; b >= 0; b--) dp[a][b] = ref[a] === hyp[b] ? dp[a + 1][b + 1] + 1 : Math.max(dp[a + 1][b], dp[a][b + 1]);
  }
  const ok = new Array<boolean>(m).fill(false);
  let a = 0;
  let b = 0;
  while (a < n && b < m) {
    if (ref[a] === hyp[b]) {
      ok[b] = true;
      a++;
      b++;
    } else if (dp[a + 1][b] >= dp[a][b + 1]) a++;
    else b++;
  }
  return ok;
}
