import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

export default defineConfig({
  plugins: [react()],
  // The workspace root hoists an older React for a wallet SDK; the app must use exactly one.
  resolve: {
    dedupe: ["react", "react-dom"],
    // Pure, browser-safe TypeScript of the services workspace (power flow, dispatch optimiser,
    // fingerprints) and its shipped feeders are imported directly, never copied.
    alias: {
      "@services": fileURLToPath(new URL("../services/src", import.meta.url)),
      "@feeders": fileURLToPath(new URL("../services/data/networks", import.meta.url)),
    },
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.spec.{ts,tsx}"],
    pool: "threads",
  },
});
