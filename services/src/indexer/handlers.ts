import { decodeEventLog, type ContractEventName, type Hex } from "viem";
import { abis } from "@gridledger/protocol";
import {
  applyHandler,
  type DecodedEvent,
  type EventHandlers,
  type GraphWrites,
  type LogMeta,
} from "./eventHandlers.ts";
import { dataAnchorHandlers } from "./handlers/dataAnchor.ts";
import { dispatchRegistryHandlers } from "./handlers/dispatchRegistry.ts";
import { energyMarketHandlers } from "./handlers/energyMarket.ts";
import { participantRegistryHandlers } from "./handlers/participantRegistry.ts";

type Abis = typeof abis;

/** The contracts whose events the indexer follows (those present in the deployment). */
export const INDEXED_CONTRACTS = [
  "ParticipantRegistry",
  "EnergyMarket",
  "DispatchRegistry",
  "DataAnchor",
] as const;
export type IndexedContract = (typeof INDEXED_CONTRACTS)[number];

/** One handler module per contract (handlers/<contract>.ts). */
const HANDLERS: { [C in IndexedContract]: EventHandlers<Abis[C]> } = {
  ParticipantRegistry: participantRegistryHandlers,
  EnergyMarket: energyMarketHandlers,
  DispatchRegistry: dispatchRegistryHandlers,
  DataAnchor: dataAnchorHandlers,
};

/** The raw part of a log that the ABI decodes. */
export type RawLog = { data: Hex; topics: [] | [Hex, ...Hex[]] };

// Each decoder names its ABI so viem infers that contract's event union; a generic decoder would
// lose the pairing of event names and argument types.
const DECODERS: { [C in IndexedContract]: (log: RawLog) => DecodedEvent<Abis[C]> } = {
  ParticipantRegistry: ({ data, topics }) =>
    decodeEventLog({ abi: abis.ParticipantRegistry, data, topics }),
  EnergyMarket: ({ data, topics }) => decodeEventLog({ abi: abis.EnergyMarket, data, topics }),
  DispatchRegistry: ({ data, topics }) =>
    decodeEventLog({ abi: abis.DispatchRegistry, data, topics }),
  DataAnchor: ({ data, topics }) => decodeEventLog({ abi: abis.DataAnchor, data, topics }),
};

/** One decoded event of `contract`. */
export type ContractEvent<
  C extends IndexedContract = IndexedContract,
  E extends ContractEventName<Abis[C]> = ContractEventName<Abis[C]>,
> = { contract: C } & DecodedEvent<Abis[C], E>;

/** One decoded contract event with where it happened. */
export type IndexedLog<
  C extends IndexedContract = IndexedContract,
  E extends ContractEventName<Abis[C]> = ContractEventName<Abis[C]>,
> = ContractEvent<C, E> & LogMeta;

/**
 * Decodes a log of `contract` with that contract's ABI. Undefined when the ABI does not decode it
 * (an unknown event signature, or topics and data that do not fit the event).
 */
export function decodeContractLog<C extends IndexedContract>(
  contract: C,
  log: RawLog,
): ContractEvent<C> | undefined {
  try {
    return { contract, ...DECODERS[contract](log) };
  } catch {
    return undefined;
  }
}

/**
 * Maps one decoded contract event to graph writes through its contract's handler module. Events
 * without a handler (e.g. RoleGranted) give no writes.
 */
export function graphWritesFor<
  C extends IndexedContract,
  E extends ContractEventName<Abis[C]> = ContractEventName<Abis[C]>,
>(log: IndexedLog<C, E>): GraphWrites {
  return applyHandler(log.contract, HANDLERS[log.contract], log, log);
}
