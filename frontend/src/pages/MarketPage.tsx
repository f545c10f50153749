import { useMemo, useState } from "react";
import { useAccount } from "wagmi";
import type { Address } from "viem";
import { useChainTime } from "../hooks/useChainTime.ts";
import {
  useClearingState,
  useIntervalEvents,
  useIntervalOrders,
  useIntervals,
  useMarketContract,
  usePeriod,
  type MarketInterval,
  type MarketPeriod,
} from "../hooks/useMarket.ts";
import { useTx } from "../hooks/useTx.ts";
import { TxStatus } from "../components/TxStatus.tsx";
import { DepthChart } from "../components/DepthChart.tsx";
import { ProvenReadings } from "../components/ProvenReadings.tsx";
import { CounterpartyEvidence } from "../components/CounterpartyEvidence.tsx";
import { appChain } from "../config/wagmi.ts";
import {
  formatCountdown,
  formatTime,
  formatToken,
  formatWh,
  parseKwh,
  parseToken,
  shortHex,
  TOKEN_SYMBOL,
} from "../utils/format.ts";
import {
  INTERVAL_KIND,
  INTERVAL_STATUS,
  SIDE,
  clearingSummary,
  depthCurves,
  escrowFor,
  milliToUnits,
  orderSeq,
  sortClearingLists,
  type MarketOrder,
} from "../utils/market.ts";
import type { DeployedContract } from "../hooks/contracts.ts";
import { useContractReads } from "../hooks/useContractRead.ts";

const glt = (milli: bigint) => `${formatToken(milliToUnits(milli))} ${TOKEN_SYMBOL}`;

function IntervalList({
  intervals,
  selected,
  now,
}: {
  intervals: MarketInterval[];
  selected?: bigint;
  now?: number;
}) {
  return (
    <section className="card">
      <h2>Intervals</h2>
      {intervals.length === 0 ? (
        <p className="muted">No interval opened yet (the operator opens them).</p>
      ) : null}
      <table className="table" data-testid="intervals">
        <thead>
          <tr>
            <th>#</th>
            <th>Period</th>
            <th>Kind</th>
            <th>Delivery</th>
            <th>Gate</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {intervals.map((iv) => (
            <tr key={iv.id.toString()} className={iv.id === selected ? "selected" : ""}>
              <td>
                <a href={`#/market/${iv.id}`}>{iv.id.toString()}</a>
              </td>
              <td>{iv.periodId.toString()}</td>
              <td>{INTERVAL_KIND[iv.kind]}</td>
              <td>
                {formatTime(iv.start).slice(5, 16)} · {iv.duration / 60} min
              </td>
              <td>
                {iv.status === 1 && now !== undefined
                  ? formatCountdown(iv.gateClosure - now)
                  : "closed"}
              </td>
              <td>{INTERVAL_STATUS[iv.status]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function PlaceOrder({
  interval,
  period,
  gateOpen,
}: {
  interval: MarketInterval;
  period: MarketPeriod | undefined;
  gateOpen: boolean;
}) {
  const tx = useTx();
  const [side, setSide] = useState<number>(SIDE.Buy);
  const [price, setPrice] = useState("0.15");
  const [kwh, setKwh] = useState("5");
  let preview: string;
  let parsed: { price: bigint; quantity: bigint } | undefined;
  try {
    parsed = { price: parseToken(price), quantity: parseKwh(kwh) };
    if (period && parsed.quantity < period.minQuantity)
      throw new Error(`below the period's minimum order of ${formatWh(period.minQuantity)}`);
    preview = period ? glt(escrowFor(side, parsed.price, parsed.quantity, period)) : "…";
  } catch (e) {
    preview = (e as Error).message;
  }
  return (
    <section className="card">
      <h2>Place an order</h2>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (parsed)
            void tx.send(side === SIDE.Buy ? "Bid" : "Ask", {
              contract: "EnergyMarket",
              functionName: "placeOrder",
              // uint40 price and quantity: numbers in viem (exact below 2^48).
              args: [interval.id, side, Number(parsed.price), Number(parsed.quantity)],
            });
        }}
      >
        <label>
          Side
          <select
            data-testid="order-side"
            value={side}
            onChange={(e) => setSide(Number(e.target.value))}
          >
            <option value={SIDE.Buy}>Bid (buy)</option>
            <option value={SIDE.Sell}>Ask (sell)</option>
          </select>
        </label>
        <label>
          Price ({TOKEN_SYMBOL}/kWh)
          <input
            data-testid="order-price"
            inputMode="decimal"
            value={price}
            onChange={(e) => setPrice(e.target.value)}
          />
        </label>
        <label>
          Quantity (kWh)
          <input
            data-testid="order-kwh"
            inputMode="decimal"
            value={kwh}
            onChange={(e) => setKwh(e.target.value)}
          />
        </label>
        <button type="submit" disabled={!gateOpen || !parsed}>
          Sign and place
        </button>
      </form>
      <p data-testid="escrow-preview">
        Escrow locked now: <strong>{preview}</strong>{" "}
        <small className="muted">
          ({side === SIDE.Buy ? "max(bid, bond)" : "max(grid price − ask, bond)"} per kWh, the worst
          case
          {period ? `, bond ${formatToken(period.bondRate)} ${TOKEN_SYMBOL}/kWh` : ""}; the
          unmatched part is released at tally, the rest at settlement)
        </small>
      </p>
      {!gateOpen ? <p className="muted">The gate is closed for this interval.</p> : null}
      <TxStatus state={tx.state} />
    </section>
  );
}

function OrderBook({
  orders,
  gateOpen,
  account,
}: {
  orders: MarketOrder[];
  gateOpen: boolean;
  account?: Address;
}) {
  const tx = useTx();
  const sorted = [...orders].sort((a, b) =>
    a.side !== b.side ? a.side - b.side : a.price < b.price ? 1 : -1,
  );
  return (
    <section className="card">
      <h2>Order book</h2>
      <DepthChart points={depthCurves(orders)} />
      <table className="table" data-testid="order-book">
        <thead>
          <tr>
            <th>Order</th>
            <th>Side</th>
            <th className="num">Price</th>
            <th className="num">Quantity</th>
            <th>Owner</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((o) => (
            <tr key={o.id.toString()} className={o.cancelled ? "muted" : ""}>
              <td>{orderSeq(o.id).toString()}</td>
              <td className={o.side === SIDE.Buy ? "bid" : "ask"}>
                {o.side === SIDE.Buy ? "bid" : o.renewable ? "ask (renewable)" : "ask"}
              </td>
              <td className="num">{formatToken(o.price)}</td>
              <td className="num">{formatWh(o.quantity)}</td>
              <td className="mono">{shortHex(o.owner)}</td>
              <td>
                {o.cancelled ? (
                  "cancelled"
                ) : gateOpen && account && o.owner.toLowerCase() === account.toLowerCase() ? (
                  <button
                    className="secondary"
                    onClick={() =>
                      tx.send("Cancel", {
                        contract: "EnergyMarket",
                        functionName: "cancelOrder",
                        args: [o.id],
                      })
                    }
                  >
                    Cancel
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <CounterpartyEvidence
        sellers={orders.filter((o) => o.side === SIDE.Sell && !o.cancelled).map((o) => o.owner)}
      />
      <TxStatus state={tx.state} />
    </section>
  );
}

/** Per participant: what it received and paid for energy and as compensation, and the net. */
function participantTotals(
  matches: { sellOrderId: bigint; buyOrderId: bigint }[],
  settled: Map<string, { value: bigint; sellerCompensation: bigint; buyerCompensation: bigint }>,
  byId: Map<bigint, MarketOrder>,
) {
  const totals = new Map<
    string,
    {
      owner: string;
      energyIn: bigint;
      energyOut: bigint;
      compIn: bigint;
      compOut: bigint;
      net: bigint;
    }
  >();
  const get = (owner: string) => {
    const t = totals.get(owner) ?? {
      owner,
      energyIn: 0n,
      energyOut: 0n,
      compIn: 0n,
      compOut: 0n,
      net: 0n,
    };
    totals.set(owner, t);
    return t;
  };
  for (const m of matches) {
    const s = settled.get(`${m.sellOrderId}-${m.buyOrderId}`);
    const seller = byId.get(m.sellOrderId)?.owner;
    const buyer = byId.get(m.buyOrderId)?.owner;
    if (!s || !seller || !buyer) continue;
    const a = get(seller);
    const b = get(buyer);
    a.energyIn += s.value;
    b.energyOut += s.value;
    a.compOut += s.sellerCompensation;
    b.compIn += s.sellerCompensation;
    b.compOut += s.buyerCompensation;
    a.compIn += s.buyerCompensation;
  }
  for (const t of totals.values()) t.net = t.energyIn + t.compIn - t.energyOut - t.compOut;
  return [...totals.values()];
}

function Clearing({
  market,
  interval,
  period,
  orders,
  now,
}: {
  market: DeployedContract<"EnergyMarket">;
  interval: MarketInterval;
  period: MarketPeriod | undefined;
  orders: MarketOrder[];
  now?: number;
}) {
  const tx = useTx();
  const progress = useClearingState(interval.id);
  const events = useIntervalEvents(market, interval.id, interval.status, progress?.settleStage);
  const matches = events.data?.matches ?? [];
  const remainders = events.data?.remainders ?? [];
  const records = events.data?.records;
  const byId = new Map(orders.map((o) => [o.id, o]));
  const owners = [
    ...new Set(
      matches
        .flatMap((m) => [byId.get(m.sellOrderId)?.owner, byId.get(m.buyOrderId)?.owner])
        .filter((x): x is Address => Boolean(x)),
    ),
  ];
  // Positions are per delivery period: the sums over every interval trading it, after tally.
  const positions = useContractReads(
    "EnergyMarket",
    "position",
    owners.map((o) => [interval.periodId, o]),
    { refetchInterval: 3_000 },
  ).results;
  const position = (owner?: Address) => (owner ? positions[owners.indexOf(owner)] : undefined);
  const summary = clearingSummary(matches);
  const unmatchedWh = remainders.reduce((s, r) => s + r.quantity, 0n);
  const settleAfter = interval.start + interval.duration + interval.meteringWindow;
  const tallied = progress !== undefined && progress.settleStage >= 1;
  // `settle` tallies this interval first if needed; it pays once every interval of the period is.
  const othersUntallied = period ? period.intervals - period.tallied - (tallied ? 0 : 1) : 0;
  const recordsReady = records !== undefined && records.length === progress?.entryCount;
  const canClear = interval.status === 1 && now !== undefined && now >= interval.gateClosure;
  const canTally = interval.status === 2 && !tallied && recordsReady;
  const canSettle =
    interval.status === 2 &&
    recordsReady &&
    progress?.settleCursor === 0 &&
    othersUntallied <= 0 &&
    now !== undefined &&
    now >= settleAfter;
  const settled = new Map(
    (events.data?.settlement ?? []).map((s) => [`${s.sellOrderId}-${s.buyOrderId}`, s]),
  );
  const clear = () => {
    const lists = sortClearingLists(orders);
    void tx.send("Clear", {
      contract: "EnergyMarket",
      functionName: "clear",
      args: [interval.id, lists.renewableSells, lists.conventionalSells, lists.buys],
    });
  };
  const tally = () =>
    void tx.send("Tally", {
      contract: "EnergyMarket",
      functionName: "tally",
      args: [interval.id, records ?? []],
    });
  const settle = () =>
    void tx.send("Settle", {
      contract: "EnergyMarket",
      functionName: "settle",
      args: [interval.id, records ?? []],
    });

  return (
    <section className="card">
      <h2>Clearing and settlement</h2>
      {interval.status === 1 ? (
        <p>
          <button onClick={clear} disabled={!canClear} data-testid="clear-button">
            Clear interval
          </button>{" "}
          <span className="muted">
            {canClear
              ? `Sorts ${orders.length} orders in the paper's order and submits them.`
              : "Possible after gate closure."}
          </span>
        </p>
      ) : null}
      {interval.status >= 2 ? (
        <>
          <div className="figures" data-testid="clearing-summary">
            <div>
              <span>matches</span>
              <strong>{summary.count}</strong>
            </div>
            <div>
              <span>volume</span>
              <strong>{formatWh(summary.volume)}</strong>
            </div>
            <div>
              <span>value</span>
              <strong>{glt(summary.value)}</strong>
            </div>
            <div>
              <span>average price</span>
              <strong>
                {formatToken(summary.averagePrice)} {TOKEN_SYMBOL}/kWh
              </strong>
            </div>
            <div>
              <span>unmatched</span>
              <strong data-testid="unmatched-volume">{formatWh(unmatchedWh)}</strong>
            </div>
            <div>
              <span>tallied</span>
              <strong data-testid="tally-status">{tallied ? "yes" : "no"}</strong>
            </div>
            {events.data?.cleared ? (
              <div>
                <span>record hash ({events.data.cleared.entryCount.toString()} records)</span>
                <strong className="mono">
                  <a href={`#/explorer/${events.data.cleared.tx}`}>
                    {shortHex(events.data.cleared.entryHash)}
                  </a>
                </strong>
              </div>
            ) : null}
          </div>
          <table className="table" data-testid="matches">
            <thead>
              <tr>
                <th>Sell</th>
                <th>Buy</th>
                <th className="num">Quantity</th>
                <th className="num">Price</th>
                <th className="num">Seller produced</th>
                <th className="num">Buyer consumed</th>
                <th className="num">Paid</th>
                <th className="num">Seller comp.</th>
                <th className="num">Buyer comp.</th>
              </tr>
            </thead>
            <tbody>
              {matches.map((m) => {
                const seller = position(byId.get(m.sellOrderId)?.owner);
                const buyer = position(byId.get(m.buyOrderId)?.owner);
                const s = settled.get(`${m.sellOrderId}-${m.buyOrderId}`);
                return (
                  <tr key={`${m.sellOrderId}-${m.buyOrderId}`}>
                    <td>{orderSeq(m.sellOrderId).toString()}</td>
                    <td>{orderSeq(m.buyOrderId).toString()}</td>
                    <td className="num">{formatWh(m.quantity)}</td>
                    <td className="num">{formatToken(m.price)}</td>
                    <td className="num">
                      {seller?.reported ? formatWh(seller.produced) : s ? "no reading (0)" : "–"}
                    </td>
                    <td className="num">
                      {buyer?.reported
                        ? formatWh(buyer.consumed)
                        : s
                          ? "no reading (as bought)"
                          : "–"}
                    </td>
                    <td className="num">{s ? glt(s.value) : "–"}</td>
                    <td className="num">{s ? glt(s.sellerCompensation) : "–"}</td>
                    <td className="num">{s ? glt(s.buyerCompensation) : "–"}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {remainders.length > 0 ? (
            <table className="table" data-testid="unmatched">
              <thead>
                <tr>
                  <th>Unmatched order</th>
                  <th className="num">Quantity</th>
                  <th className="num">Escrow released</th>
                </tr>
              </thead>
              <tbody>
                {remainders.map((r) => (
                  <tr key={r.orderId.toString()}>
                    <td>{orderSeq(r.orderId).toString()}</td>
                    <td className="num">{formatWh(r.quantity)}</td>
                    <td className="num">
                      {r.released !== undefined ? glt(r.released) : "at tally"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {settled.size > 0 ? (
            <table className="table" data-testid="participant-settlement">
              <thead>
                <tr>
                  <th>Participant</th>
                  <th className="num">Energy received</th>
                  <th className="num">Energy paid</th>
                  <th className="num">Compensation received</th>
                  <th className="num">Compensation paid</th>
                  <th className="num">Net</th>
                </tr>
              </thead>
              <tbody>
                {participantTotals(matches, settled, byId).map((p) => (
                  <tr key={p.owner}>
                    <td className="mono">{shortHex(p.owner)}</td>
                    <td className="num">{glt(p.energyIn)}</td>
                    <td className="num">{glt(p.energyOut)}</td>
                    <td className="num">{glt(p.compIn)}</td>
                    <td className="num">{glt(p.compOut)}</td>
                    <td className="num">
                      {p.net < 0n ? "−" : ""}
                      {glt(p.net < 0n ? -p.net : p.net)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <p className="muted">
            Settlement per delivery period ({interval.bandBps / 100}% band): the buyer pays the
            trade price for delivered energy only; a seller who delivers below plan pays the buyer
            (grid price {formatToken(interval.gridBuyPrice)} − trade price) per missing kWh beyond
            the band; a buyer who takes less than planned pays the seller (trade price − feed-in{" "}
            {formatToken(interval.feedInPrice)}) per surplus kWh beyond the band. Deviations are
            measured on the whole period (every interval trading it) against its meter reading; a
            participant without one counts as producing nothing and consuming what it bought.
          </p>
        </>
      ) : null}
      {interval.status === 2 ? (
        <p>
          <button onClick={tally} disabled={!canTally} data-testid="tally-button">
            Tally
          </button>{" "}
          <button onClick={settle} disabled={!canSettle} data-testid="settle-button">
            Settle
          </button>{" "}
          <span className="muted" data-testid="settle-hint">
            {!tallied
              ? "Tally releases the unmatched escrow and adds the traded energy to the period's positions. "
              : ""}
            {now !== undefined && now < settleAfter
              ? `Metering open until ${formatTime(settleAfter)}.`
              : othersUntallied > 0
                ? `Waiting for ${othersUntallied} other interval(s) of period ${interval.periodId} to be tallied.`
                : "Metering window closed."}
          </span>
        </p>
      ) : null}
      <TxStatus state={tx.state} />
    </section>
  );
}

/** The market: intervals with countdowns, depth chart and book, orders with escrow preview, clearing and settlement. */
export default function MarketPage({ param }: { param: string }) {
  const market = useMarketContract();
  const { address } = useAccount();
  const now = useChainTime();
  const { intervals, isLoading } = useIntervals();
  const selected = useMemo(() => {
    if (/^\d+$/.test(param)) return intervals.find((iv) => iv.id === BigInt(param));
    return intervals.find((iv) => iv.status === 1) ?? intervals[0];
  }, [intervals, param]);
  const orders = useIntervalOrders(selected);
  const period = usePeriod(selected?.periodId);
  if (!market)
    return (
      <section className="card">
        <h1>Market</h1>
        <p className="muted">The energy market is not deployed on this chain.</p>
      </section>
    );
  const gateOpen = Boolean(
    selected && selected.status === 1 && now !== undefined && now < selected.gateClosure,
  );
  return (
    <div className="page">
      <h1>Market</h1>
      <div className="market-layout">
        <div>
          <IntervalList intervals={intervals} selected={selected?.id} now={now} />
          {selected ? (
            <section className="card" data-testid="interval-detail">
              <h2>
                Interval {selected.id.toString()} · {INTERVAL_KIND[selected.kind]} ·{" "}
                {INTERVAL_STATUS[selected.status]}
              </h2>
              <dl className="kv">
                <dt>Delivery period</dt>
                <dd data-testid="interval-period">
                  {selected.periodId.toString()}
                  {period
                    ? ` · traded in ${period.intervals} interval(s), ${period.tallied} tallied`
                    : ""}
                </dd>
                <dt>Delivery</dt>
                <dd>
                  {formatTime(selected.start)} for {selected.duration / 60} min
                </dd>
                <dt>Gate closure</dt>
                <dd>
                  {formatTime(selected.gateClosure)}{" "}
                  {now !== undefined ? (
                    <strong data-testid="countdown">
                      ({formatCountdown(selected.gateClosure - now)})
                    </strong>
                  ) : null}
                </dd>
                <dt>Grid price</dt>
                <dd>
                  {formatToken(selected.gridBuyPrice)} {TOKEN_SYMBOL}/kWh
                </dd>
                <dt>Feed-in price</dt>
                <dd>
                  {formatToken(selected.feedInPrice)} {TOKEN_SYMBOL}/kWh
                </dd>
                <dt>Penalty band</dt>
                <dd>{selected.bandBps / 100} %</dd>
                <dt>Escrow bond</dt>
                <dd>
                  {period ? `${formatToken(period.bondRate)} ${TOKEN_SYMBOL}/kWh` : "…"}{" "}
                  <small className="muted">(the least any order locks per kWh)</small>
                </dd>
                <dt>Minimum order</dt>
                <dd>{period ? formatWh(period.minQuantity) : "…"}</dd>
                <dt>Orders</dt>
                <dd>
                  {selected.renewableSells} renewable asks, {selected.conventionalSells} other asks,{" "}
                  {selected.buys} bids
                </dd>
              </dl>
            </section>
          ) : isLoading ? (
            <p className="muted">Loading intervals…</p>
          ) : null}
          {selected && address ? (
            <PlaceOrder interval={selected} period={period} gateOpen={gateOpen} />
          ) : null}
        </div>
        <div>
          {selected ? <OrderBook orders={orders} gateOpen={gateOpen} account={address} /> : null}
          {selected ? (
            <Clearing
              market={market}
              interval={selected}
              period={period}
              orders={orders}
              now={now}
            />
          ) : null}
          {address ? <ProvenReadings chainId={appChain.id} /> : null}
        </div>
      </div>
    </div>
  );
}
