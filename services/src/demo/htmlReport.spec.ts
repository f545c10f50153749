import { describe, expect, it } from "vitest";
import { escapeHtml, renderChart, renderReport } from "./htmlReport.ts";

describe("renderChart", () => {
  it("draws one path per series and a dashed line per guide", () => {
    const svg = renderChart({
      title: "Voltage",
      xLabel: "bus",
      yLabel: "pu",
      series: [
        {
          name: "before",
          points: [
            [1, 1],
            [2, 1.07],
          ],
        },
        {
          name: "after",
          points: [
            [1, 1],
            [2, 1.04],
          ],
        },
      ],
      guides: [{ y: 1.05, label: "max" }],
    });
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(1);
    expect(svg).toContain(">before<");
  });

  it("draws one bar per point in bar mode", () => {
    const svg = renderChart({
      title: "t",
      xLabel: "x",
      yLabel: "y",
      bars: true,
      series: [
        {
          name: "s",
          points: [
            [0, 1],
            [1, -2],
            [2, 3],
          ],
        },
      ],
    });
    expect(svg.match(/<rect x=/g)!.length).toBe(3 + 1); // three bars and one legend swatch
  });

  it("says so when there is nothing to draw", () => {
    expect(renderChart({ title: "Empty", xLabel: "", yLabel: "", series: [] })).toContain(
      "no data",
    );
  });
});

describe("renderReport", () => {
  it("escapes every piece of text it is given", () => {
    const html = renderReport("<script>", [
      { heading: "a&b", tables: [{ title: "t", columns: ["<c>"], rows: [['"v"']] }] },
    ]);
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain("a&amp;b");
    expect(html).toContain("&quot;v&quot;");
    expect(escapeHtml("<&>")).toBe("&lt;&amp;&gt;");
  });
});
