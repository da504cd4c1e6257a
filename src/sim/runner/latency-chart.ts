/** One time bucket of the run: latency percentiles of the copies delivered in it (ms). */
export interface ChartPoint {
  /** Seconds since the run's time zero. */
  t: number;
  p50: number;
  p99: number;
  max: number;
  count: number;
}

const WIDTH = 900;
const HEIGHT = 420;
const MARGIN = { left: 64, right: 24, top: 40, bottom: 48 };

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

/** A self-contained SVG of delivery latency percentiles over time (log-scaled y), with phase marks. */
export function renderLatencyChart(
  title: string,
  points: ChartPoint[],
  phases: Array<{ name: string; fromS: number; toS: number }>,
): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const maxT = Math.max(1, ...phases.map((p) => p.toS), ...points.map((p) => p.t));
  const maxY = Math.max(1, ...points.map((p) => p.max));
  const yTop = 10 ** Math.ceil(Math.log10(maxY));
  const yBottom = 0.1;
  const x = (t: number) => MARGIN.left + (t / maxT) * plotW;
  const y = (ms: number) =>
    MARGIN.top +
    plotH -
    ((Math.log10(Math.max(yBottom, ms)) - Math.log10(yBottom)) / (Math.log10(yTop) - Math.log10(yBottom))) * plotH;
  const line = (key: 'p50' | 'p99' | 'max') =>
    points
      .filter((p) => p.count > 0)
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p[key]).toFixed(1)}`)
      .join(' ');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  const shades = ['#f4f6fb', '#ffffff'];
  phases.forEach((phase, i) => {
    parts.push(
      `<rect x="${x(phase.fromS)}" y="${MARGIN.top}" width="${Math.max(0, x(phase.toS) - x(phase.fromS))}" height="${plotH}" fill="${shades[i % 2]}"/>`,
    );
    parts.push(`<text x="${x(phase.fromS) + 4}" y="${MARGIN.top + 14}" fill="#667">${escapeXml(phase.name)}</text>`);
  });
  for (let decade = yBottom; decade <= yTop; decade *= 10) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(decade)}" y2="${y(decade)}" stroke="#dde"/>`,
    );
    parts.push(
      `<text x="${MARGIN.left - 8}" y="${y(decade) + 4}" text-anchor="end">${decade < 1 ? decade.toFixed(1) : decade.toFixed(0)} ms</text>`,
    );
  }
  const step = Math.max(1, Math.ceil(maxT / 10));
  for (let t = 0; t <= maxT; t += step)
    parts.push(`<text x="${x(t)}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle">${t} s</text>`);
  parts.push(`<path d="${line('max')}" fill="none" stroke="#bbb" stroke-width="1"/>`);
  parts.push(`<path d="${line('p99')}" fill="none" stroke="#d9534f" stroke-width="2"/>`);
  parts.push(`<path d="${line('p50')}" fill="none" stroke="#337ab7" stroke-width="2"/>`);
  const legend = [
    ['p50', '#337ab7'],
    ['p99', '#d9534f'],
    ['max', '#bbb'],
  ] as const;
  legend.forEach(([name, color], i) => {
    const lx = WIDTH - MARGIN.right - 200 + i * 65;
    parts.push(
      `<rect x="${lx}" y="14" width="14" height="4" fill="${color}"/><text x="${lx + 18}" y="20">${name}</text>`,
    );
  });
  parts.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle" fill="#445">send-to-deliver latency per delivered copy, by second of the run</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}
