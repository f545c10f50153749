import { useState } from "react";
import { useAccount, useSignMessage } from "wagmi";
import { createSiweMessage } from "viem/siwe";
import { apiGet, apiPost } from "../utils/api.ts";
import { env } from "../config/env.ts";
import { eventFromForm, parseEventsFile, type EventForm } from "../utils/traceUpload.ts";

const EVENT_TYPES = ["produced", "shipped", "received", "inspected", "installed"];

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
  const [form, setForm] = useState<EventForm>({
    id: "",
    type: "produced",
    batch: "",
    product: "",
    location: "",
  });

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

  async function upload(source: string, read: () => Promise<{ events: unknown[] }>) {
    setStatus(undefined);
    try {
      const body = await read();
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
        text: `Stored ${res.records.length} event(s) from ${source}; ${res.pendingAnchors} record(s) await their on-chain anchor.`,
      });
    } catch (error) {
      setStatus({ ok: false, text: `${source}: ${(error as Error).message}` });
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
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void upload(`the form (${form.id.trim() || "no id"})`, async () => ({
            events: [eventFromForm(form, address ?? "", new Date())],
          }));
        }}
      >
        <label>
          Event id
          <input
            data-testid="upload-event-id"
            value={form.id}
            onChange={(e) => setForm({ ...form, id: e.target.value })}
            placeholder="e.g. EV-2026-001"
          />
        </label>
        <label>
          Type
          <select value={form.type} onChange={(e) => setForm({ ...form, type: e.target.value })}>
            {EVENT_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Batch
          <input
            data-testid="upload-event-batch"
            value={form.batch}
            onChange={(e) => setForm({ ...form, batch: e.target.value })}
          />
        </label>
        <label>
          Product
          <input
            value={form.product}
            onChange={(e) => setForm({ ...form, product: e.target.value })}
          />
        </label>
        <label>
          Location
          <input
            value={form.location}
            onChange={(e) => setForm({ ...form, location: e.target.value })}
          />
        </label>
        <button type="submit" data-testid="upload-event-submit" disabled={!isConnected}>
          Upload event
        </button>
      </form>
      <label>
        Or an events JSON file{" "}
        <input
          type="file"
          accept="application/json,.json"
          data-testid="trace-upload-file"
          disabled={!isConnected}
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = "";
            if (file) void upload(file.name, async () => parseEventsFile(await file.text()));
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
