import { BaseError } from "../errors.ts";

/** The matrix is (numerically) singular at the given pivot. */
export class SingularMatrixError extends BaseError {
  override name = "SingularMatrixError";
  constructor(readonly row: number) {
    super(`matrix is singular at pivot ${row}`);
  }
}

/**
 * Greedy minimum-degree ordering of an undirected graph given as adjacency sets (the classic
 * Tinney scheme 2 fill-reducing order): repeatedly eliminate the vertex of smallest current degree
 * and connect its remaining neighbours. Returns the elimination order and the filled upper pattern
 * (for each vertex, its neighbours eliminated later).
 */
export function minimumDegreeOrder(adjacency: Set<number>[]): {
  order: Int32Array;
  later: number[][];
} {
  const n = adjacency.length;
  const adj = adjacency.map((s) => new Set(s));
  const done = new Uint8Array(n);
  const order = new Int32Array(n);
  const later: number[][] = new Array<number[]>(n);
  // Binary min-heap of (degree, vertex) keys with lazy deletion: a vertex whose degree changed is
  // pushed again and stale entries are skipped when popped. Ties go to the lower vertex number.
  const heap: number[] = [];
  const push = (key: number) => {
    let i = heap.push(key) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p]! <= key) break;
      heap[i] = heap[p]!;
      i = p;
    }
    heap[i] = key;
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const c = l + 1 < heap.length && heap[l + 1]! < heap[l]! ? l + 1 : l;
        if (heap[c]! >= last) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  };
  for (let v = 0; v < n; v++) push(adj[v]!.size * n + v);
  for (let step = 0; step < n; step++) {
    let best = -1;
    while (best < 0) {
      const key = pop();
      const v = key % n;
      if (!done[v] && Math.floor(key / n) === adj[v]!.size) best = v;
    }
    const nb = [...adj[best]!];
    order[step] = best;
    later[best] = nb;
    done[best] = 1;
    for (const a of nb) {
      adj[a]!.delete(best);
      for (const b of nb) if (a !== b) adj[a]!.add(b);
      push(adj[a]!.size * n + a);
    }
  }
  return { order, later };
}

/**
 * A square sparse matrix with a fixed, symmetric, already-filled pattern in CSR form, factorised
 * in place as L·U without pivoting (unit lower L below the diagonal, U on and above it). The
 * pattern comes from a fill-reducing order, so the numeric factorisation creates no new entries;
 * the symbolic work is done once and reused by every Newton iteration.
 */
export class SparseLu {
  readonly n: number;
  readonly rowPtr: Int32Array;
  readonly col: Int32Array;
  readonly diag: Int32Array;
  readonly values: Float64Array;
  private readonly work: Float64Array;

  /** @param pattern for each row, the sorted column indices (diagonal included, fill included). */
  constructor(pattern: number[][]) {
    this.n = pattern.length;
    this.rowPtr = new Int32Array(this.n + 1);
    for (let i = 0; i < this.n; i++) this.rowPtr[i + 1] = this.rowPtr[i]! + pattern[i]!.length;
    this.col = new Int32Array(this.rowPtr[this.n]!);
    this.diag = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) {
      const cols = pattern[i]!;
      let d = -1;
      cols.forEach((c, j) => {
        this.col[this.rowPtr[i]! + j] = c;
        if (c === i) d = this.rowPtr[i]! + j;
      });
      if (d < 0) throw new BaseError(`sparse pattern row ${i} lacks its diagonal`);
      this.diag[i] = d;
    }
    this.values = new Float64Array(this.col.length);
    this.work = new Float64Array(this.n);
  }

  /** Position of entry (i, j) in `values`, or -1 when it is not in the pattern. */
  position(i: number, j: number): number {
    let lo = this.rowPtr[i]!;
    let hi = this.rowPtr[i + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = this.col[mid]!;
      if (c === j) return mid;
      if (c < j) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Factorises `values` in place (row-by-row Doolittle over the fixed pattern). */
  factor(): void {
    const { n, rowPtr, col, diag, values: a, work: w } = this;
    for (let i = 0; i < n; i++) {
      const start = rowPtr[i]!;
      const end = rowPtr[i + 1]!;
      for (let p = start; p < end; p++) w[col[p]!] = a[p]!;
      for (let p = start; p < diag[i]!; p++) {
        const k = col[p]!;
        const lik = w[k]! / a[diag[k]!]!;
        w[k] = lik;
        for (let q = diag[k]! + 1; q < rowPtr[k + 1]!; q++) w[col[q]!] = w[col[q]!]! - lik * a[q]!;
      }
      for (let p = start; p < end; p++) a[p] = w[col[p]!]!;
      const piv = a[diag[i]!]!;
      if (!(Math.abs(piv) > 1e-14)) throw new SingularMatrixError(i);
    }
  }

  /** Solves (L·U) x = b in place after `factor()`. */
  solve(b: Float64Array): void {
    const { n, rowPtr, col, diag, values: a } = this;
    for (let i = 0; i < n; i++) {
      let s = b[i]!;
      for (let p = rowPtr[i]!; p < diag[i]!; p++) s -= a[p]! * b[col[p]!]!;
      b[i] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = b[i]!;
      for (let p = diag[i]! + 1; p < rowPtr[i + 1]!; p++) s -= a[p]! * b[col[p]!]!;
      b[i] = s / a[diag[i]!]!;
    }
  }
}
