/**
 * Self-contained HTML reports for the demos: inline SVG charts and tables, no scripts and no
 * external assets, so a report opens anywhere (an auditor's laptop offline included) and can be
 * archived next to its JSON twin.
 */

export type Series = { name: string; points: [number, number][]; color?: string };

export type LineChart = {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Horizontal reference lines, e.g. voltage limits. */
  guides?: { y: number; label: string }[];
  /** Render as bars (first series only) instead of lines. */
  bars?: boolean;
};

export type Table = { title: string; columns: string[]; rows: (string | number)[][] };

export type Section = { heading: string; text?: string; charts?: LineChart[]; tables?: Table[] };

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

/** Escapes text for HTML element and attribute content. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function niceRange(min: number, max: number): [number, number] {
  if (min === max) return [min - 1, max + 1];
  const pad = (max - min) * 0.05;
  return [min - pad, max + pad];
}

/** Renders one chart as an SVG string (640 × 320 user units, scales with the page). */
export function renderChart(chart: LineChart): string {
  const W = 640;
  const H = 320;
  const m = { l: 64, r: 16, t: 32, b: 48 };
  const xs = chart.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = [
    ...chart.series.flatMap((s) => s.points.map((p) => p[1])),
    ...(chart.guides ?? []).map((g) => g.y),
  ];
  if (xs.length === 0) return `<p>${escapeHtml(chart.title)}: no data</p>`;
  const [x0, x1] = chart.bars
    ? [Math.min(...xs) - 0.5, Math.max(...xs) + 0.5]
    : niceRange(Math.min(...xs), Math.max(...xs));
  const [y0, y1] = niceRange(Math.min(...ys, chart.bars ? 0 : Infinity), Math.max(...ys));
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(
    `<text x="${W / 2}" y="20" text-anchor="middle" font-weight="bold">${escapeHtml(chart.title)}</text>`,
  );
  parts.push(`<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#333"/>`);
  parts.push(`<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#333"/>`);
  // Few integer x values (bus numbers, hours) are labelled one by one; otherwise five ticks.
  const distinctX = [...new Set(xs)].sort((a, b) => a - b);
  const integerTicks = distinctX.length <= 16 && distinctX.every(Number.isInteger);
  const xTicks = integerTicks ? distinctX : [0, 1, 2, 3, 4].map((i) => x0 + ((x1 - x0) * i) / 4);
  for (let i = 0; i <= 4; i++) {
    const y = y0 + ((y1 - y0) * i) / 4;
    parts.push(
      `<text x="${m.l - 6}" y="${sy(y) + 4}" text-anchor="end" font-size="11">${fmt(y)}</text>`,
    );
    parts.push(`<line x1="${m.l}" y1="${sy(y)}" x2="${W - m.r}" y2="${sy(y)}" stroke="#eee"/>`);
  }
  for (const x of xTicks) {
    const label = integerTicks ? String(x) : fmt(x);
    parts.push(
      `<text x="${sx(x)}" y="${H - m.b + 16}" text-anchor="middle" font-size="11">${label}</text>`,
    );
  }
  parts.push(
    `<text x="${W / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${escapeHtml(chart.xLabel)}</text>`,
  );
  parts.push(
    `<text x="14" y="${H / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${H / 2})">${escapeHtml(chart.yLabel)}</text>`,
  );
  for (const guide of chart.guides ?? []) {
    parts.push(
      `<line x1="${m.l}" y1="${sy(guide.y)}" x2="${W - m.r}" y2="${sy(guide.y)}" stroke="#999" stroke-dasharray="6 4"/>`,
      `<text x="${W - m.r - 4}" y="${sy(guide.y) - 4}" text-anchor="end" font-size="11" fill="#666">${escapeHtml(guide.label)}</text>`,
    );
  }
  chart.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    if (chart.bars) {
      const width = Math.max(1, ((W - m.l - m.r) / Math.max(1, s.points.length)) * 0.8);
      for (const [x, y] of s.points) {
        const top = Math.min(sy(y), sy(0));
        parts.push(
          `<rect x="${sx(x) - width / 2}" y="${top}" width="${width}" height="${Math.abs(sy(y) - sy(0))}" fill="${color}"/>`,
        );
      }
    } else {
      const d = s.points
        .map(([x, y], k) => `${k === 0 ? "M" : "L"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
        .join(" ");
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
      for (const [x, y] of s.points)
        parts.push(`<circle cx="${sx(x)}" cy="${sy(y)}" r="2.5" fill="${color}"/>`);
    }
    parts.push(
      `<rect x="${m.l + 8 + i * 150}" y="${m.t - 4}" width="10" height="10" fill="${color}"/>`,
      `<text x="${m.l + 22 + i * 150}" y="${m.t + 5}" font-size="11">${escapeHtml(s.name)}</text>`,
    );
  });
  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(chart.title)}">${parts.join("")}</svg>`;
}

function fmt(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 0.01 || abs >= 1e6)) return value.toExponential(2);
  return abs < 10 ? value.toFixed(3) : abs < 1000 ? value.toFixed(1) : Math.round(value).toString();
}

function renderTable(table: Table): string {
  const head = table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = table.rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(String(cell))}</td>`).join("")}</tr>`)
    .join("");
  return `<h3>${escapeHtml(table.title)}</h3><div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** Renders a whole report page. */
export function renderReport(title: string, sections: Section[], generatedAt = new Date()): string {
  const body = sections
    .map(
      (s) =>
        `<section><h2>${escapeHtml(s.heading)}</h2>${s.text ? `<p>${escapeHtml(s.text)}</p>` : ""}` +
        (s.charts ?? []).map((c) => `<figure>${renderChart(c)}</figure>`).join("") +
        (s.tables ?? []).map(renderTable).join("") +
        `</section>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#222}
figure{margin:1rem 0}svg{width:100%;height:auto;border:1px solid #ddd;background:#fff}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}
th{background:#f4f4f4}.scroll{overflow-x:auto}code{font-size:12px}
</style></head><body>
<h1>${escapeHtml(title)}</h1><p>Generated ${escapeHtml(generatedAt.toISOString())}</p>
${body}
</body></html>
`;
}
