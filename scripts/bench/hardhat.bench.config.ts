import path from "node:path";
import type { HardhatUserConfig } from "hardhat/config";
import base from "../../hardhat.config";

/**
 * Benchmark network: the main config with the in-process chain on the Cancun hardfork (the EVM
 * version the contracts are compiled for) and a 30M block gas limit. Hardhat's default (Osaka)
 * caps a single transaction at 2^24 gas (EIP-7825); under that cap a 30M-gas clearing is split
 * into resumable `clearChunk` transactions in the same block (see docs/decisions/0103).
 */
const config: HardhatUserConfig = {
  ...base,
  paths: { ...base.paths, root: path.resolve(__dirname, "../..") },
  networks: {
    ...base.networks,
    hardhat: { ...base.networks?.hardhat, hardfork: "cancun", blockGasLimit: 30_000_000 },
  },
};

export default config;
