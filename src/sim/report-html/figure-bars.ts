import { html, type SafeHtml } from './html-text.js';

/** One bar of a table row, drawn over the others from the first (the longest, lightest) to the last. */
export interface BarPart {
  value: number;
  color: string;
}

/**
 * A horizontal bar for a table cell, scaled to `max`: SVG rather than CSS backgrounds, which
 * browsers leave out of a printout unless asked.
 */
export function bar(parts: BarPart[], max: number): SafeHtml {
  const width = (value: number) =>
    max > 0 && Number.isFinite(value) && value > 0 ? Math.min(100, (value / max) * 100) : 0;
  const rects = parts.map(
    (part) => html`<rect x="0" y="1" height="12" width="${width(part.value).toFixed(2)}" fill="${part.color}"/>`,
  );
  return html`<svg class="bar" viewBox="0 0 100 14" preserveAspectRatio="none" aria-hidden="true">${rects}</svg>`;
}

export const BAR_COLORS = { dark: '#2f6db5', light: '#b7cde9', alt: '#e08a00', altLight: '#f4d19c' } as const;
