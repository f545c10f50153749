// Vite config of the web app. The dev and preview servers proxy /rpc to the chain's JSON-RPC
// endpoint (RPC_URL) and /api to the REST API (API_URL), so the browser talks to one origin and
// the same build works on a laptop, a phone on the LAN, or behind any reverse proxy.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const rpcTarget = process.env.RPC_URL ?? "http://127.0.0.1:8545";
const apiTarget = process.env.API_URL ?? "http://127.0.0.1:8787";

const proxy = {
  "/rpc": {
    target: rpcTarget,
    changeOrigin: true,
    rewrite: (p: string) => p.replace(/^\/rpc/, ""),
  },
  "/api": {
    target: apiTarget,
    changeOrigin: true,
    rewrite: (p: string) => p.replace(/^\/api/, ""),
  },
};

export default defineConfig({
  plugins: [react()],
  // The workspace root hoists an older React for a wallet SDK; the app must use exactly one.
  resolve: {
    dedupe: ["react", "react-dom"],
  },
  server: { proxy, strictPort: true },
  preview: { proxy, strictPort: true },
  build: {
    target: "es2022",
    chunkSizeWarningLimit: 900,
    reportCompressedSize: true,
  },
});
