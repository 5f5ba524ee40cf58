// Quickselect (C++'s nth_element) on a Float64Array prefix, for the max-active cutoff; and its plain reference twin.

/**
 * The k-th smallest (0-based) of a[0 … n-1], found in place: on return a[k] holds it, every a[i] with i < k is
 * ≤ it and every a[i] with i > k is ≥ it (the order of the rest is unspecified). Hoare partitioning around a
 * median of three, iterating on the side that holds k. Preconditions: 0 ≤ k < n ≤ a.length, no NaN.
 * Cost: O(n) expected, O(n²) worst case; no allocation.
 */
export function quickselect(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three into a[mid]; also leaves sentinels at both ends.
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/** Reference twin of `quickselect`: sorts a copy of a[0 … n-1] and returns element k. O(n log n), allocates. */
export function selectBySort(a: Float64Array, n: number, k: number): number {
  return Float64Array.from(a.subarray(0, n)).sort()[k];
}
