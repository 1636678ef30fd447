import type { StepResult } from "./open-loop";

const WIDTH = 360;
const HEIGHT = 240;
const PAD = { left: 52, right: 12, top: 28, bottom: 40 };
const SERIES = [
  { key: "p50_ms", color: "#2b8a3e" },
  { key: "p90_ms", color: "#e67700" },
  { key: "p99_ms", color: "#c92a2a" },
] as const;

/** One small panel per scenario: latency percentiles (log scale) against offered load. */
export function latencyChart(steps: StepResult[], bounds: Record<string, number>, title: string): string {
  const scenarios = [...new Set(steps.map((s) => s.scenario))];
  const columns = Math.min(3, Math.max(1, scenarios.length));
  const rows = Math.ceil(scenarios.length / columns);
  const panels = scenarios.map((scenario, i) => {
    const x0 = (i % columns) * WIDTH;
    const y0 = 30 + Math.floor(i / columns) * HEIGHT;
    return `<g transform="translate(${x0},${y0})">${panel(
      scenario,
      steps.filter((s) => s.scenario === scenario),
      bounds[scenario],
    )}</g>`;
  });
  const legend = SERIES.map(
    (s, i) => `<text x="${10 + i * 70}" y="20" fill="${s.color}" font-size="12">${s.key.replace("_ms", "")}</text>`,
  ).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${columns * WIDTH}" height="${30 + rows * HEIGHT}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${columns * WIDTH - 10}" y="20" font-size="12" text-anchor="end">${escapeXml(title)}</text>
${legend}<text x="230" y="20" font-size="12" fill="#555">dashed: p99 bound</text>
${panels.join("\n")}
</svg>
`;
}

function panel(scenario: string, steps: StepResult[], bound: number | undefined): string {
  const w = WIDTH - PAD.left - PAD.right;
  const h = HEIGHT - PAD.top - PAD.bottom;
  const rates = steps.map((s) => s.offered_rps);
  const maxRate = Math.max(...rates, 1);
  const values = steps.flatMap((s) => SERIES.map((k) => s[k.key])).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.min(1, ...values);
  const hi = Math.max(10, bound ?? 0, ...values);
  const logLo = Math.floor(Math.log10(lo));
  const logHi = Math.ceil(Math.log10(hi));
  const x = (rate: number) => PAD.left + (rate / maxRate) * w;
  const y = (ms: number) =>
    PAD.top + h - ((Math.log10(Math.max(ms, 10 ** logLo)) - logLo) / Math.max(1, logHi - logLo)) * h;
  const grid: string[] = [];
  for (let e = logLo; e <= logHi; e++) {
    grid.push(
      `<line x1="${PAD.left}" x2="${PAD.left + w}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#eee"/>`,
      `<text x="${PAD.left - 4}" y="${y(10 ** e) + 4}" font-size="10" text-anchor="end">${10 ** e} ms</text>`,
    );
  }
  for (const rate of rates) {
    grid.push(`<text x="${x(rate)}" y="${PAD.top + h + 14}" font-size="10" text-anchor="middle">${rate}</text>`);
  }
  const lines = SERIES.map((series) => {
    const points = steps
      .filter((s) => Number.isFinite(s[series.key]))
      .map((s) => `${x(s.offered_rps).toFixed(1)},${y(s[series.key]).toFixed(1)}`);
    return `<polyline fill="none" stroke="${series.color}" stroke-width="2" points="${points.join(" ")}"/>${points
      .map((p) => `<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="2.5" fill="${series.color}"/>`)
      .join("")}`;
  });
  const boundLine =
    bound === undefined
      ? ""
      : `<line x1="${PAD.left}" x2="${PAD.left + w}" y1="${y(bound)}" y2="${y(bound)}" stroke="#c92a2a" stroke-dasharray="4 3"/>`;
  return `<text x="${PAD.left}" y="16" font-size="13" font-weight="bold">${escapeXml(scenario)}</text>
<rect x="${PAD.left}" y="${PAD.top}" width="${w}" height="${h}" fill="none" stroke="#999"/>
${grid.join("")}${boundLine}${lines.join("")}
<text x="${PAD.left + w / 2}" y="${HEIGHT - 8}" font-size="10" text-anchor="middle">offered load (operations/s)</text>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
