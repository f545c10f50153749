// ESLint (flat config) with typescript-eslint for every TypeScript file of the repository.
import { builtinModules } from "node:module";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// packages/domain runs in the browser as well as in Node: no Node built-ins, no drivers or servers,
// no chain clients (viem's pure helpers are fine), nothing from the workspaces that depend on it.
const domainOnly = "packages/domain is pure and browser-safe; do this in services";
const domainRestrictions = {
  "no-restricted-imports": [
    "error",
    {
      paths: [
        ...builtinModules.map((name) => ({ name, message: domainOnly })),
        {
          name: "viem",
          importNames: [
            "createClient",
            "createPublicClient",
            "createWalletClient",
            "createTestClient",
            "http",
            "webSocket",
            "fallback",
            "custom",
          ],
          message: domainOnly,
        },
      ],
      patterns: [
        {
          group: [
            "node:*",
            "viem/accounts",
            "kuzu",
            "neo4j-driver",
            "helia",
            "@helia/*",
            "kubo-rpc-client",
            "blockstore-*",
            "datastore-*",
            "ipfs-unixfs-*",
            "express",
            "pino",
            "commander",
            "hardhat",
            "@gridledger/services",
            "@gridledger/services/*",
            "@gridledger/frontend",
            "@gridledger/frontend/*",
          ],
          message: domainOnly,
        },
      ],
    },
  ],
  "no-restricted-globals": [
    "error",
    ...["process", "Buffer", "require", "__dirname", "__filename", "global"].map((name) => ({
      name,
      message: domainOnly,
    })),
  ],
};

// Cypher lives in services/src/graph, behind named repository methods (decision 0455): a Cypher
// clause in a string anywhere else in the services is an error.
const CYPHER = String.raw`/\b(MATCH|MERGE|UNWIND|RETURN|DETACH\s+DELETE)\b/`;
const cypherOutsideGraph = "Cypher belongs in services/src/graph: add or use a repository method";

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
  {
    // Its own tests (test/) lint fixtures through ESLint's Node API, so only the sources are pure.
    files: ["packages/domain/src/**/*.ts"],
    rules: domainRestrictions,
  },
  {
    files: ["services/src/**/*.ts"],
    ignores: ["services/src/graph/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        { selector: `Literal[value=${CYPHER}]`, message: cypherOutsideGraph },
        { selector: `TemplateElement[value.raw=${CYPHER}]`, message: cypherOutsideGraph },
      ],
    },
  },
);
