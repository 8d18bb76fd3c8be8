// The order torch.argsort gives on a CPU tensor of integer counts (stable=False), which Cellpose's
// get_masks_torch uses to order its seeds (ascending count; later seeds overwrite earlier ones where
// their grown regions meet). Below 32768 elements PyTorch sorts (key, index) pairs with std::sort,
// which is not stable: equal counts come out in the order GCC's introsort leaves them, and that
// order decides which seed wins a contested bin. It is reproduced here step by step (introsort with
// median-of-three pivots, heapsort past the depth limit, final insertion sort; threshold 16). From
// 32768 elements PyTorch's x86 builds use a stable radix sort. Checked against torch.argsort.

/** Positions 0..n-1 ordered as torch.argsort(keys) on the CPU orders them. */
export function torchArgsort(keys: ArrayLike<number>): Int32Array {
  const n = keys.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (n >= 32768) {
    idx.sort((a, b) => keys[a] - keys[b] || a - b);
    return idx;
  }
  const less = (a: number, b: number): boolean => keys[a] < keys[b];
  if (n > 1) {
    introsortLoop(idx, 0, n, 2 * Math.floor(Math.log2(n)), less);
    finalInsertionSort(idx, 0, n, less);
  }
  return idx;
}

type Less = (a: number, b: number) => boolean;
const THRESHOLD = 16;

function swap(v: Int32Array, i: number, j: number): void {
  const t = v[i];
  v[i] = v[j];
  v[j] = t;
}

function introsortLoop(v: Int32Array, first: number, last: number, depth: number, less: Less): void {
  while (last - first > THRESHOLD) {
    if (depth === 0) {
      heapSort(v, first, last, less);
      return;
    }
    depth--;
    const cut = partitionPivot(v, first, last, less);
    introsortLoop(v, cut, last, depth, less);
    last = cut;
  }
}

function partitionPivot(v: Int32Array, first: number, last: number, less: Less): number {
  const mid = first + ((last - first) >> 1);
  moveMedianToFirst(v, first, first + 1, mid, last - 1, less);
  // unguarded partition of [first + 1, last) around v[first]
  let lo = first + 1;
  let hi = last;
  const pivot = first;
  for (;;) {
    while (less(v[lo], v[pivot])) lo++;
    hi--;
    while (less(v[pivot], v[hi])) hi--;
    if (!(lo < hi)) return lo;
    swap(v, lo, hi);
    lo++;
  }
}

function moveMedianToFirst(v: Int32Array, result: number, a: number, b: number, c: number, less: Less): void {
  if (less(v[a], v[b])) {
    if (less(v[b], v[c])) swap(v, result, b);
    else if (less(v[a], v[c])) swap(v, result, c);
    else swap(v, result, a);
  } else if (less(v[a], v[c])) swap(v, result, a);
  else if (less(v[b], v[c])) swap(v, result, c);
  else swap(v, result, b);
}

function finalInsertionSort(v: Int32Array, first: number, last: number, less: Less): void {
  if (last - first > THRESHOLD) {
    insertionSort(v, first, first + THRESHOLD, less);
    for (let i = first + THRESHOLD; i < last; i++) unguardedLinearInsert(v, i, less);
  } else {
    insertionSort(v, first, last, less);
  }
}

function insertionSort(v: Int32Array, first: number, last: number, less: Less): void {
  for (let i = first + 1; i < last; i++) {
    if (less(v[i], v[first])) {
      const val = v[i];
      v.copyWithin(first + 1, first, i);
      v[first] = val;
    } else {
      unguardedLinearInsert(v, i, less);
    }
  }
}

function unguardedLinearInsert(v: Int32Array, last: number, less: Less): void {
  const val = v[last];
  let next = last - 1;
  while (less(val, v[next])) {
    v[last] = v[next];
    last = next;
    next--;
  }
  v[last] = val;
}

// std::partial_sort(first, last, last): make_heap, then pop every element (GCC's __adjust_heap
// moves the hole down to a leaf and pushes the value back up).
function heapSort(v: Int32Array, first: number, last: number, less: Less): void {
  const len = last - first;
  if (len < 2) return;
  for (let parent = (len - 2) >> 1; ; parent--) {
    adjustHeap(v, first, parent, len, v[first + parent], less);
    if (parent === 0) break;
  }
  for (let end = last - 1; end > first; end--) {
    const val = v[end];
    v[end] = v[first];
    adjustHeap(v, first, 0, end - first, val, less);
  }
}

function adjustHeap(v: Int32Array, first: number, hole: number, len: number, val: number, less: Less): void {
  const top = hole;
  let child = hole;
  while (child < (len - 1) >> 1) {
    child = 2 * (child + 1);
    if (less(v[first + child], v[first + child - 1])) child--;
    v[first + hole] = v[first + child];
    hole = child;
  }
  if ((len & 1) === 0 && child === (len - 2) >> 1) {
    child = 2 * (child + 1);
    v[first + hole] = v[first + child - 1];
    hole = child - 1;
  }
  // push_heap back up from the hole towards top
  let parent = (hole - 1) >> 1;
  while (hole > top && less(v[first + parent], val)) {
    v[first + hole] = v[first + parent];
    hole = parent;
    parent = (hole - 1) >> 1;
  }
  v[first + hole] = val;
}
