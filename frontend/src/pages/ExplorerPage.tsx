import { useState } from "react";
import { usePublicClient } from "wagmi";
import { useQuery } from "@tanstack/react-query";
import type { Hex } from "viem";
import { appChain } from "../config/wagmi.ts";
import { allEvents, deployedOn } from "../hooks/contracts.ts";
import { addressBook, decodeCall, decodeLogs, type DecodedEvent } from "../utils/decode.ts";
import { formatTime, shortHex } from "../utils/format.ts";
import { pageOf } from "../utils/paging.ts";
import { Pager } from "../components/Pager.tsx";

const BLOCKS = 12;
const LOG_WINDOW = 5_000n;

function EventRow({ e }: { e: DecodedEvent }) {
  return (
    <tr>
      <td>
        <a href={`#/explorer/${e.transactionHash}`}>{e.blockNumber.toString()}</a>
      </td>
      <td>{e.contract}</td>
      <td>
        <strong>{e.eventName}</strong>
      </td>
      <td className="args">
        {Object.entries(e.args).map(([k, v]) => (
          <span key={k}>
            <em>{k}</em>={v.length > 24 ? shortHex(v, 6) : v}{" "}
          </span>
        ))}
      </td>
    </tr>
  );
}

function TransactionDetail({ hash }: { hash: Hex }) {
  const client = usePublicClient({ chainId: appChain.id });
  const contracts = deployedOn(appChain.id);
  const names = addressBook(contracts);
  const q = useQuery({
    queryKey: ["explorer-tx", hash],
    enabled: Boolean(client),
    queryFn: async () => {
      const [tx, receipt] = await Promise.all([
        client!.getTransaction({ hash }),
        client!.getTransactionReceipt({ hash }),
      ]);
      return { tx, receipt };
    },
  });
  if (q.isLoading) return <p className="muted">Loading transaction…</p>;
  if (q.error || !q.data)
    return <p className="tx-error">Transaction {shortHex(hash)} not found.</p>;
  const { tx, receipt } = q.data;
  const target = contracts.find((c) => c.address.toLowerCase() === tx.to?.toLowerCase());
  const call = decodeCall(target?.abi, tx.input);
  const events = decodeLogs(receipt.logs, allEvents, names);
  return (
    <section className="card" data-testid="tx-detail">
      <h2>Transaction {shortHex(hash, 6)}</h2>
      <dl className="kv">
        <dt>Status</dt>
        <dd className={receipt.status === "success" ? "ok" : "bad"}>{receipt.status}</dd>
        <dt>Block</dt>
        <dd>{receipt.blockNumber.toString()}</dd>
        <dt>From</dt>
        <dd className="mono">{tx.from}</dd>
        <dt>To</dt>
        <dd className="mono">
          {target ? `${target.name} (${shortHex(target.address)})` : (tx.to ?? "contract creation")}
        </dd>
        <dt>Call</dt>
        <dd className="mono">
          {call ? `${call.functionName}(${call.args.join(", ")})` : shortHex(tx.input, 8)}
        </dd>
        <dt>Gas used</dt>
        <dd>{receipt.gasUsed.toString()}</dd>
      </dl>
      <h3>Events</h3>
      <table className="table">
        <tbody>
          {events.map((e) => (
            <EventRow key={e.logIndex} e={e} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Recent blocks, their transactions and the decoded events of GridLedger's contracts. */
export default function ExplorerPage({ param }: { param: string }) {
  const client = usePublicClient({ chainId: appChain.id });
  const contracts = deployedOn(appChain.id);
  const names = addressBook(contracts);
  const blocks = useQuery({
    queryKey: ["explorer-blocks"],
    enabled: Boolean(client),
    refetchInterval: 3_000,
    queryFn: async () => {
      const latest = await client!.getBlockNumber();
      const numbers = Array.from({ length: BLOCKS }, (_, i) => latest - BigInt(i)).filter(
        (n) => n >= 0n,
      );
      return Promise.all(
        numbers.map((blockNumber) => client!.getBlock({ blockNumber, includeTransactions: true })),
      );
    },
  });
  const events = useQuery({
    queryKey: ["explorer-events", blocks.data?.[0]?.number?.toString()],
    enabled: Boolean(client && blocks.data && contracts.length > 0),
    queryFn: async () => {
      const latest = blocks.data?.[0]?.number ?? 0n;
      const deployedFrom = contracts.reduce(
        (m, c) => (c.deployedOnBlock < m ? c.deployedOnBlock : m),
        latest,
      );
      const fromBlock =
        latest > LOG_WINDOW && latest - LOG_WINDOW > deployedFrom
          ? latest - LOG_WINDOW
          : deployedFrom;
      const logs = await client!.getLogs({
        address: contracts.map((c) => c.address),
        fromBlock,
        toBlock: latest,
      });
      return decodeLogs(logs, allEvents, names).reverse().slice(0, 100);
    },
  });
  // Paged so the page stays a screen or two tall instead of ~7,000 px.
  const [blockPage, setBlockPage] = useState(0);
  const [blockSize, setBlockSize] = useState(5);
  const [eventPage, setEventPage] = useState(0);
  const [eventSize, setEventSize] = useState(10);
  const shownBlocks = pageOf(blocks.data ?? [], blockPage, blockSize);
  const shownEvents = pageOf(events.data ?? [], eventPage, eventSize);
  return (
    <div className="page">
      <h1>Explorer</h1>
      {/^0x[0-9a-fA-F]{64}$/.test(param) ? <TransactionDetail hash={param as Hex} /> : null}
      <div className="two-col">
        <section className="card">
          <h2>Recent blocks</h2>
          {blocks.error ? (
            <p className="tx-error">Chain unreachable: {blocks.error.message}</p>
          ) : null}
          <table className="table" data-testid="blocks">
            <thead>
              <tr>
                <th>Block</th>
                <th>Time</th>
                <th>Transactions</th>
              </tr>
            </thead>
            <tbody>
              {shownBlocks.rows.map((b) => (
                <tr key={b.hash}>
                  <td>{b.number?.toString()}</td>
                  <td>{formatTime(b.timestamp)}</td>
                  <td>
                    {b.transactions.map((t) => {
                      if (typeof t === "string") return null;
                      const to = t.to ? names.get(t.to.toLowerCase()) : undefined;
                      const call = decodeCall(contracts.find((c) => c.name === to)?.abi, t.input);
                      return (
                        <div key={t.hash}>
                          <a href={`#/explorer/${t.hash}`}>{shortHex(t.hash)}</a>{" "}
                          {to ?? (t.to ? shortHex(t.to) : "deploy")}
                          {call ? `.${call.functionName}` : ""}
                        </div>
                      );
                    })}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager
            testId="blocks-pager"
            page={shownBlocks.page}
            pages={shownBlocks.pages}
            size={blockSize}
            onPage={setBlockPage}
            onSize={(n) => {
              setBlockSize(n);
              setBlockPage(0);
            }}
          />
        </section>
        <section className="card">
          <h2>GridLedger events</h2>
          <table className="table" data-testid="events">
            <thead>
              <tr>
                <th>Block</th>
                <th>Contract</th>
                <th>Event</th>
                <th>Arguments</th>
              </tr>
            </thead>
            <tbody>
              {shownEvents.rows.map((e) => (
                <EventRow key={`${e.transactionHash}-${e.logIndex}`} e={e} />
              ))}
            </tbody>
          </table>
          {events.data?.length === 0 ? <p className="muted">No events yet.</p> : null}
          <Pager
            testId="events-pager"
            page={shownEvents.page}
            pages={shownEvents.pages}
            size={eventSize}
            onPage={setEventPage}
            onSize={(n) => {
              setEventSize(n);
              setEventPage(0);
            }}
          />
        </section>
      </div>
      <section className="card">
        <h2>Contracts</h2>
        <table className="table">
          <tbody>
            {contracts.map((c) => (
              <tr key={c.name}>
                <td>{c.name}</td>
                <td className="mono">{c.address}</td>
                <td>from block {c.deployedOnBlock.toString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
