import { subtask, type HardhatUserConfig } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";

// One pinned compiler, taken from the npm `solc` package: this machine (and CI) cannot download
// solc builds, so Hardhat is pointed at the bundled soljson.js instead.
const SOLC_VERSION = "0.8.28";

subtask(
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  async (args: { solcVersion: string }, _hre, runSuper) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const solcPackage = require("solc/package.json") as { version: string };
    if (args.solcVersion !== solcPackage.version) return runSuper();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const solc = require("solc") as { version(): string };
    return {
      compilerPath: require.resolve("solc/soljson.js"),
      isSolcJs: true,
      version: solcPackage.version,
      longVersion: solc.version(),
    };
  },
);

/** Hardhat's public devnet mnemonic (its keys are known to everyone). */
const DEVNET_MNEMONIC = "test test test test test test test test test test test junk";

/** Signers of the `chain` network: one private key, or the first 20 keys of a mnemonic. */
function chainAccounts(): string[] | { mnemonic: string; count: number } {
  const key = process.env.DEPLOYER_PRIVATE_KEY;
  if (key) return [key.startsWith("0x") ? key : `0x${key}`];
  return { mnemonic: process.env.DEPLOYER_MNEMONIC || DEVNET_MNEMONIC, count: 20 };
}

/** Storage layouts in the build info: @openzeppelin/upgrades-core validates them (decision 0601). */
const STORAGE_LAYOUT = { "*": { "*": ["storageLayout"] } };

/** Compiler settings of a file that goes through the IR pipeline. */
function irSettings(runs: number) {
  return {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs },
      evmVersion: "cancun",
      viaIR: true,
      outputSelection: STORAGE_LAYOUT,
    },
  };
}

/** One object for the market's files: Hardhat compiles files with the same settings object in one job. */
const MARKET_IR = irSettings(1000);

const config: HardhatUserConfig = {
  solidity: {
    compilers: [
      {
        version: SOLC_VERSION,
        settings: {
          optimizer: { enabled: true, runs: 200 },
          evmVersion: "cancun",
          outputSelection: STORAGE_LAYOUT,
        },
      },
    ],
    // The market's hot loops, and the test-only harness that runs the same library code, go
    // through the IR pipeline with a high run count: it keeps the walk state in registers
    // (decision 0104). DispatchRegistry goes through the IR pipeline at the default run count to
    // stay under the 24 KiB code limit behind its proxy (decision 0601).
    overrides: {
      ...Object.fromEntries(
        [
          "contracts/market/EnergyMarket.sol",
          "contracts/harness/MarketLibrariesHarness.sol",
          // Same job as EnergyMarket, so upgrades-core sees one EnergyMarket to compare with.
          "contracts/mocks/upgrades/EnergyMarketV2.sol",
        ].map((file) => [file, MARKET_IR]),
      ),
      "contracts/dispatch/DispatchRegistry.sol": irSettings(200),
    },
  },
  networks: {
    hardhat: { chainId: 31337 },
    // The Hardhat devnet (`npm start`, test devnets): chain 31337, the node's own accounts.
    localhost: { url: process.env.RPC_URL ?? "http://127.0.0.1:8545", chainId: 31337 },
    // Any EVM JSON-RPC chain: RPC_URL with keys from the environment (scripts/deploy/README.md).
    // Without DEPLOYER_PRIVATE_KEY / DEPLOYER_MNEMONIC it falls back to the devnet's public
    // mnemonic, which scripts/deploy refuses on every chain but 31337.
    chain: {
      url: process.env.RPC_URL ?? "http://127.0.0.1:8545",
      accounts: chainAccounts(),
      ...(process.env.CHAIN_ID ? { chainId: Number(process.env.CHAIN_ID) } : {}),
      timeout: 120_000,
    },
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    currency: "USD",
    outputJSONFile: "bench-results/gas-report.json",
    outputJSON: true,
    noColors: false,
    offline: true,
  },
  mocha: { timeout: 120_000 },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
};

export default config;
