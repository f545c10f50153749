import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  // The workspace root hoists an older React for a wallet SDK; the app must use exactly one.
  resolve: {
    dedupe: ["react", "react-dom"],
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.spec.{ts,tsx}"],
    pool: "threads",
  },
});
