import { describe, expect, it } from "vitest";
import { seededRandom } from "../random.ts";
import { SingularMatrixError, SparseLu, minimumDegreeOrder } from "./sparseLu.ts";

/** Dense Gaussian elimination with partial pivoting, as the reference. */
function denseSolve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

describe("sparse LU with minimum-degree ordering", () => {
  it("solves a random sparse, diagonally dominant, unsymmetric system like the dense solver", () => {
    const rnd = seededRandom(11);
    const n = 60;
    const adjacency = Array.from({ length: n }, () => new Set<number>());
    for (let i = 1; i < n; i++) {
      const j = Math.floor(rnd() * i);
      adjacency[i]!.add(j);
      adjacency[j]!.add(i);
    }
    for (let e = 0; e < 20; e++) {
      const i = Math.floor(rnd() * n);
      const j = Math.floor(rnd() * n);
      if (i !== j) {
        adjacency[i]!.add(j);
        adjacency[j]!.add(i);
      }
    }
    const dense = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let i = 0; i < n; i++) {
      for (const j of adjacency[i]!) dense[i]![j] = rnd() - 0.5;
      dense[i]![i] = adjacency[i]!.size + 1 + rnd();
    }
    const { order, later } = minimumDegreeOrder(adjacency);
    const pos = new Int32Array(n);
    order.forEach((v, p) => (pos[v] = p));
    const filled = Array.from({ length: n }, (_, p) => new Set([p]));
    for (let v = 0; v < n; v++)
      for (const u of later[v]!) {
        filled[pos[v]!]!.add(pos[u]!);
        filled[pos[u]!]!.add(pos[v]!);
      }
    const lu = new SparseLu(filled.map((s) => [...s].sort((a, b) => a - b)));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        if (dense[i]![j] !== 0) lu.values[lu.position(pos[i]!, pos[j]!)] = dense[i]![j]!;
    const b = Array.from({ length: n }, () => rnd() * 10 - 5);
    const rhs = new Float64Array(n);
    b.forEach((v, i) => (rhs[pos[i]!] = v));
    lu.factor();
    lu.solve(rhs);
    const ref = denseSolve(dense, b);
    for (let i = 0; i < n; i++) expect(Math.abs(rhs[pos[i]!]! - ref[i]!)).toBeLessThan(1e-10);
  });

  it("reports a singular matrix instead of dividing by zero", () => {
    const lu = new SparseLu([
      [0, 1],
      [0, 1],
    ]);
    lu.values.set([1, 2, 2, 4]);
    expect(() => lu.factor()).toThrow(SingularMatrixError);
  });

  it("orders a star graph's leaves before its centre (no fill)", () => {
    const adjacency = [new Set([1, 2, 3]), new Set([0]), new Set([0]), new Set([0])];
    const { order, later } = minimumDegreeOrder(adjacency);
    expect([1, 2, 3]).toContain(order[0]);
    expect(later.reduce((s, l) => s + l.length, 0)).toBe(3);
  });
});
