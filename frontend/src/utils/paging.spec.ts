import { describe, expect, it } from "vitest";
import { pageOf } from "./paging.ts";

describe("pageOf", () => {
  it("slices a page and clamps past the end", () => {
    const items = [1, 2, 3, 4, 5];
    expect(pageOf(items, 1, 2)).toEqual({ rows: [3, 4], page: 1, pages: 3 });
    expect(pageOf(items, 9, 2)).toEqual({ rows: [5], page: 2, pages: 3 });
    expect(pageOf([], 0, 10)).toEqual({ rows: [], page: 0, pages: 1 });
  });
});
