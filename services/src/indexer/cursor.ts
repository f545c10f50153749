import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { BaseError } from "@gridledger/domain/errors";

/** Where the indexer stopped: the last block whose logs are fully in the graph. */
export type Cursor = { chainId: number; lastBlock: number; lastBlockHash: string | null };

const CursorSchema = z.object({
  chainId: z.number().int(),
  lastBlock: z.number().int().min(-1),
  lastBlockHash: z.string().nullable(),
});

/**
 * The indexer's cursor as a small JSON file under DATA_DIR, replaced atomically (write to a
 * temporary file, then rename) after each block range is in the graph. A crash between the graph
 * writes and the rename re-reads that range on restart; the upserts are idempotent, so nothing is
 * duplicated, and nothing is skipped because the cursor never runs ahead of the graph.
 */
export class FileCursor {
  readonly file: string;

  constructor(dataDir: string, chainId: number) {
    this.file = path.join(dataDir, `indexer-cursor-${chainId}.json`);
  }

  async load(): Promise<Cursor | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new BaseError(`cannot read indexer cursor ${this.file}`, { cause: error });
    }
    const parsed = CursorSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new BaseError(`indexer cursor ${this.file} is malformed`);
    return parsed.data;
  }

  async save(cursor: Cursor): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(cursor) + "\n");
    await rename(tmp, this.file);
  }
}
