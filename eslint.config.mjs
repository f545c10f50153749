// ESLint (flat config) with typescript-eslint for every TypeScript file of the repository.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "**/node_modules/",
      "artifacts/",
      "cache/",
      "typechain-types/",
      "coverage/",
      "bench-results/",
      "test-output/",
      "**/dist/",
      "packages/protocol/src/generated/",
      ".gridledger/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        require: "readonly",
        module: "readonly",
        __dirname: "readonly",
        fetch: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "no-console": ["error", { allow: ["error"] }],
    },
  },
  {
    // Tests and scripts talk to the console and use chai's property assertions.
    files: [
      "test/**/*.ts",
      "scripts/**/*.ts",
      "**/*.spec.ts",
      "services/test/**/*.ts",
      "services/bench/**/*.ts",
      "frontend/e2e/**/*.ts",
    ],
    rules: { "no-console": "off", "@typescript-eslint/no-unused-expressions": "off" },
  },
);
