import { useEffect, useRef, useState } from 'react';
import type { StatsSample } from '../api';

const HEIGHT = 220;
const PAD = { left: 48, right: 16, top: 12, bottom: 28 };
const MAX_WINDOW_MS = 15 * 60_000;
const MIN_WINDOW_MS = 60_000;

function niceMax(value: number): number {
  if (value <= 5) return 5;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / magnitude) * magnitude;
}

function ago(ms: number): string {
  return ms >= 120_000 ? `−${Math.round(ms / 60_000)} min` : `−${Math.round(ms / 1000)} s`;
}

/** The chart is drawn at the pixel width it gets, so text stays legible from phone to desktop. */
function useWidth(fallback: number): [React.RefObject<HTMLElement | null>, number] {
  const ref = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => entry && setWidth(Math.max(240, Math.floor(entry.contentRect.width))));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

/**
 * Messages in and out per second, up to the last 15 minutes (less on a node that started later),
 * as plain SVG. Screen readers get the latest values in the label; the two lines differ by dash
 * pattern as well as colour.
 */
export function RateChart({ samples, now }: { samples: StatsSample[]; now: number }) {
  const [ref, width] = useWidth(720);
  const span = Math.min(MAX_WINDOW_MS, Math.max(MIN_WINDOW_MS, now - (samples[0]?.t ?? now)));
  const max = niceMax(Math.max(0, ...samples.flatMap((s) => [s.in, s.out])));
  const x = (t: number) => PAD.left + ((t - (now - span)) / span) * (width - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - (v / max) * (HEIGHT - PAD.top - PAD.bottom);
  const points = (pick: (s: StatsSample) => number) =>
    samples.filter((s) => s.t >= now - span).map((s) => `${x(s.t).toFixed(1)},${y(pick(s)).toFixed(1)}`).join(' ');
  const last = samples.at(-1);
  const label = last
    ? `Messages per second over the last ${ago(span).slice(1)}. Latest: ${last.in} in, ${last.out} out.`
    : 'Messages per second. No samples yet.';

  return (
    <figure className="chart" ref={ref}>
      <svg viewBox={`0 0 ${width} ${HEIGHT}`} width={width} height={HEIGHT} role="img" aria-label={label}>
        {[0, max / 2, max].map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={width - PAD.right} y1={y(v)} y2={y(v)} className="chart-grid" />
            <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end" className="chart-text">
              {Number.isInteger(v) ? v : v.toFixed(1)}
            </text>
          </g>
        ))}
        <text x={PAD.left} y={HEIGHT - 8} className="chart-text">{ago(span)}</text>
        <text x={width - PAD.right} y={HEIGHT - 8} textAnchor="end" className="chart-text">now</text>
        <polyline points={points((s) => s.in)} className="chart-line chart-in" />
        <polyline points={points((s) => s.out)} className="chart-line chart-out" />
      </svg>
      <figcaption className="chart-legend">
        <span className="legend-in">━ in (client commands + API calls/s)</span>
        <span className="legend-out">┅ out (pushes/s)</span>
      </figcaption>
    </figure>
  );
}
