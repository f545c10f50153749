import type { abis } from "@gridledger/protocol";
import type { NodeRef } from "../../graph/graphStore.ts";
import { jsonProps, who, type EventHandlers } from "../eventHandlers.ts";

const stage = (eventId: bigint, name: string): NodeRef => ({
  label: "TdvaRecord",
  id: `tdva:${eventId}:${name}`,
});

/** TDVA records: trigger → accepted offers → dispatch → verify → per-provider and final settle. */
export const dispatchRegistryHandlers = {
  TdvaTriggered: (a, ctx) => {
    ctx.tdva(`tdva:${a.eventId}:trigger`, "trigger", jsonProps(a));
  },
  OfferAccepted: (a, ctx) => {
    const offer = ctx.tdva(`tdva:${a.eventId}:offer:${who(a.provider)}`, "offer", jsonProps(a));
    ctx.party(a.provider, offer);
    ctx.leads(stage(a.eventId, "trigger"), offer);
  },
  TdvaDispatched: (a, ctx) => {
    const d = ctx.tdva(`tdva:${a.eventId}:dispatch`, "dispatch", jsonProps(a));
    ctx.leads(stage(a.eventId, "trigger"), d);
  },
  TdvaVerified: (a, ctx) => {
    const v = ctx.tdva(`tdva:${a.eventId}:verify`, "verify", jsonProps(a));
    ctx.leads(stage(a.eventId, "dispatch"), v);
  },
  ProviderSettled: (a, ctx) => {
    const s = ctx.tdva(
      `tdva:${a.eventId}:settle:${who(a.provider)}`,
      "provider-settlement",
      jsonProps(a),
    );
    ctx.party(a.provider, s);
    ctx.leads(stage(a.eventId, "verify"), s);
  },
  TdvaSettled: (a, ctx) => {
    const s = ctx.tdva(`tdva:${a.eventId}:settle`, "settle", jsonProps(a));
    ctx.leads(stage(a.eventId, "verify"), s);
  },
} satisfies EventHandlers<typeof abis.DispatchRegistry>;
