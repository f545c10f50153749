import { BaseError } from "../errors.ts";

/** Tolerances and limits shared by both solvers. */
export type SolverOptions = {
  /** Convergence tolerance in pu (voltage and current change for BFS, power mismatch for NR). */
  tolerance?: number;
  /** Iteration limit; the solver throws PowerFlowNotConvergedError past it. */
  maxIterations?: number;
};

/** Solved bus voltages in rectangular pu plus how the solver got there. */
export type VoltageState = {
  vRe: Float64Array;
  vIm: Float64Array;
  iterations: number;
  solver: "bfs" | "nr";
  /** Final convergence measure (max change for BFS, max mismatch for NR), pu. */
  residual: number;
};

/** The solver stopped at its iteration limit or diverged; never returns NaN voltages. */
export class PowerFlowNotConvergedError extends BaseError {
  override name = "PowerFlowNotConvergedError";
  constructor(
    readonly solver: "bfs" | "nr",
    readonly iterations: number,
    readonly residual: number,
    reason = "iteration limit reached",
  ) {
    super(
      `power flow (${solver}) did not converge after ${iterations} iteration(s): ${reason} (residual ${
        Number.isFinite(residual) ? residual.toExponential(3) : "not finite"
      } pu)`,
    );
  }
}
