import { BaseError } from "@gridledger/domain/errors";
import { constants, type ParticipantKind } from "@gridledger/protocol";
import type { Hex } from "viem";
import type { MarketWorkflow } from "./workflow.ts";

/**
 * The accounts an auction run trades from: two pools of chain accounts (renewable and
 * conventional participants), so that an account reused on a long-running chain keeps the
 * registry flag its pool needs.
 */
export type AccountPools = {
  /** First account index of the renewable pool and of the conventional pool. */
  renewableBase: number;
  conventionalBase: number;
  /** Registry kinds the pools apply as. */
  renewableKind: ParticipantKind;
  conventionalKind: ParticipantKind;
  detailsHash: Hex;
};

/** Account index of the `k`-th participant of a pool. */
export function poolAccount(pools: AccountPools, renewable: boolean, k: number): number {
  return (renewable ? pools.renewableBase : pools.conventionalBase) + k;
}

/**
 * Admits the first `renewable` and `conventional` accounts of the pools (idempotent) and tops
 * each account's available market balance up to `need` (milli-units); returns every account's
 * locked balance afterwards, so the caller can check that its run left nothing locked.
 */
export async function admitAndFund(
  wf: MarketWorkflow,
  pools: AccountPools,
  counts: { renewable: number; conventional: number },
  need: Map<number, bigint>,
): Promise<Map<number, bigint>> {
  const specs = [
    ...Array.from({ length: counts.renewable }, (_, k) => ({ renewable: true, k })),
    ...Array.from({ length: counts.conventional }, (_, k) => ({ renewable: false, k })),
  ].map(({ renewable, k }) => ({
    account: poolAccount(pools, renewable, k),
    kind: renewable ? pools.renewableKind : pools.conventionalKind,
    renewable,
    feederId: 1,
    busId: 1 + (k % 33),
    detailsHash: pools.detailsHash,
    detailsCid: "",
  }));
  const { participants } = await wf.register(specs);
  participants.forEach((p, i) => {
    if (p.renewable !== specs[i]!.renewable)
      throw new BaseError(
        `account ${p.address} is admitted as ${p.renewable ? "renewable" : "conventional"}; this run needs it the other way`,
      );
  });
  const accounts = specs.map((s) => s.account);
  const balances = await wf.balances(accounts);
  // Deposits are in base units (UNIT milli-units each), rounded up.
  const unit = BigInt(constants.EnergyMarket.UNIT);
  await wf.deposit(
    accounts.map((account, i) => {
      const short = (need.get(account) ?? 0n) - balances[i]!.available;
      return { account, amount: short > 0n ? (short + unit - 1n) / unit : 0n };
    }),
  );
  return new Map(accounts.map((a, i) => [a, balances[i]!.locked]));
}
