import { useState } from "react";
import { useAccount, useSignMessage } from "wagmi";
import { createSiweMessage } from "viem/siwe";
import { apiGet, apiPost } from "../utils/api.ts";
import { env } from "../config/env.ts";
import { parseEventsFile } from "../utils/traceUpload.ts";

type Session = { token: string; address: string; roles: string[] };

/**
 * Supplier uploads: sign in with the connected wallet (SIWE, the API's own /v1/auth flow) and
 * post an events JSON file to /v1/trace/events. The API validates and stores all or nothing.
 */
export function TraceUpload() {
  const { address, chainId, isConnected } = useAccount();
  const { signMessageAsync } = useSignMessage();
  const [session, setSession] = useState<Session>();
  const [status, setStatus] = useState<{ ok: boolean; text: string }>();

  async function signIn(): Promise<Session> {
    if (!address || !chainId) throw new Error("Connect a wallet first to sign in.");
    const [{ nonce }, expected] = await Promise.all([
      apiGet<{ nonce: string }>("/v1/auth/nonce"),
      apiGet<{ domain: string; uri: string }>("/v1/auth/siwe"),
    ]);
    const message = createSiweMessage({
      address,
      chainId,
      domain: expected.domain,
      nonce,
      uri: expected.uri,
      version: "1",
      issuedAt: new Date(),
      statement: "Sign in to GridLedger to upload traceability data.",
    });
    const signature = await signMessageAsync({ message });
    const s = await apiPost<Session>("/v1/auth/verify", { message, signature });
    setSession(s);
    return s;
  }

  async function upload(file: File) {
    setStatus(undefined);
    try {
      const body = parseEventsFile(await file.text());
      const s =
        session?.address.toLowerCase() === address?.toLowerCase() && session
          ? session
          : await signIn();
      const res = await apiPost<{ records: unknown[]; pendingAnchors: number }>(
        "/v1/trace/events",
        body,
        env.apiUrl,
        s.token,
      );
      setStatus({
        ok: true,
        text: `Stored ${res.records.length} event(s) from ${file.name}; ${res.pendingAnchors} record(s) await their on-chain anchor.`,
      });
    } catch (error) {
      setStatus({ ok: false, text: `${file.name}: ${(error as Error).message}` });
    }
  }

  return (
    <section className="card" data-testid="trace-upload">
      <h2>Upload events (suppliers)</h2>
      <p className="muted">
        {isConnected
          ? session
            ? `Signed in as ${session.address} (${session.roles.join(", ") || "no role"}).`
            : "You will be asked to sign in (a signed message, no transaction) on the first upload."
          : "Connect a wallet with a supplier role to upload."}
      </p>
      <label>
        Events JSON file{" "}
        <input
          type="file"
          accept="application/json,.json"
          data-testid="trace-upload-file"
          disabled={!isConnected}
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = "";
            if (file) void upload(file);
          }}
        />
      </label>
      {status ? (
        <p
          className={status.ok ? "muted" : "tx-error"}
          role={status.ok ? "status" : "alert"}
          data-testid="trace-upload-status"
        >
          {status.text}
        </p>
      ) : null}
    </section>
  );
}
