import { hexToString } from "viem";
import type { abis } from "@gridledger/protocol";
import { who, type EventHandlers } from "../eventHandlers.ts";

/** Anchors: one node per anchored Merkle root. */
export const dataAnchorHandlers = {
  DataAnchored: (a, ctx) => {
    let kind: string = a.kind;
    try {
      kind = hexToString(a.kind, { size: 32 }).replace(/\0+$/, "");
    } catch {
      // keep the hex form
    }
    ctx.node({
      label: "Anchor",
      id: a.anchorId.toString(),
      kind,
      at: ctx.at,
      ...(a.cid ? { cid: a.cid } : {}),
      props: {
        root: a.root,
        submitter: who(a.submitter),
        recordCount: Number(a.recordCount),
        txHash: ctx.txHash,
        blockNumber: ctx.blockNumber,
      },
    });
  },
} satisfies EventHandlers<typeof abis.DataAnchor>;
