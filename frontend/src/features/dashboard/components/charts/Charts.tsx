// Recharts-based charts. This module is loaded lazily so the first paint does not wait for it.
import type { KeyboardEvent } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

import { useTheme } from "../../../../lib/theme";
import type { BreakdownItem, FeatureCount, Point, Timeseries } from "../../api/analytics";

/** Chart colours follow the page's theme. */
function useDark(): boolean {
  return useTheme().theme === "dark";
}

const INDIGO = "#6366f1";
const AMBER = "#f59e0b";
const MUTED = "#a5b4fc";

function axisColour(dark: boolean) {
  return dark ? "#94a3b8" : "#64748b";
}

function gridColour(dark: boolean) {
  return dark ? "#1e293b" : "#e2e8f0";
}

function tooltipStyle(dark: boolean) {
  return {
    contentStyle: {
      background: dark ? "#0f172a" : "#ffffff",
      border: `1px solid ${dark ? "#334155" : "#e2e8f0"}`,
      borderRadius: 8,
      color: dark ? "#e2e8f0" : "#0f172a",
    },
    labelStyle: { color: dark ? "#e2e8f0" : "#0f172a" },
  };
}

interface BarShapeProps {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  fill?: string;
  payload?: FeatureCount;
}

/** Feature usage: one bar per feature, most used first; click or press Enter to select one. */
export function FeatureBarChart({
  data,
  selected,
  onSelect,
}: {
  data: FeatureCount[];
  selected?: string;
  onSelect: (feature: string) => void;
}) {
  const dark = useDark();
  const height = Math.max(160, data.length * 34 + 40);
  // Each bar is focusable, so the chart works from the keyboard too.
  const shape = (props: BarShapeProps) => {
    const { x = 0, y = 0, width = 0, height: barHeight = 0, fill, payload } = props;
    if (!payload) return <g />;
    const choose = () => onSelect(payload.feature);
    const onKeyDown = (event: KeyboardEvent<SVGRectElement>) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        choose();
      }
    };
    return (
      <rect
        x={x}
        y={y}
        width={Math.max(width, 2)}
        height={barHeight}
        rx={4}
        fill={fill}
        tabIndex={0}
        role="button"
        aria-pressed={payload.feature === selected}
        aria-label={`${payload.feature}: ${payload.count} events`}
        data-feature={payload.feature}
        className="cursor-pointer outline-none focus-visible:stroke-slate-900 focus-visible:stroke-2 dark:focus-visible:stroke-white"
        onClick={choose}
        onKeyDown={onKeyDown}
      />
    );
  };
  return (
    <div style={{ height }} data-testid="feature-chart">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 8 }}>
          <CartesianGrid horizontal={false} stroke={gridColour(dark)} />
          <XAxis type="number" allowDecimals={false} tick={{ fill: axisColour(dark), fontSize: 12 }} stroke={gridColour(dark)} />
          <YAxis
            type="category"
            dataKey="feature"
            width={120}
            tick={{ fill: axisColour(dark), fontSize: 12 }}
            stroke={gridColour(dark)}
            interval={0}
          />
          <Tooltip cursor={{ fill: dark ? "#1e293b" : "#f1f5f9" }} {...tooltipStyle(dark)} />
          <Bar dataKey="count" name="Events" shape={shape} isAnimationActive={false}>
            {data.map((entry) => (
              <Cell key={entry.feature} fill={!selected ? INDIGO : entry.feature === selected ? AMBER : MUTED} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const monthFormat = new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric" });
const hourFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

function formatBucket(t: string, granularity: Timeseries["granularity"]): string {
  if (granularity === "hour") return hourFormat.format(new Date(t));
  const [year, month, day] = t.split("-").map(Number);
  const date = new Date(year ?? 1970, (month ?? 1) - 1, day ?? 1);
  return granularity === "month" ? monthFormat.format(date) : dayFormat.format(date);
}

/** The trend: the selected feature (or all), with an optional dashed previous period. */
export function TrendChart({
  series,
  previous,
  granularity,
  label,
  onFirstHover,
}: {
  series: Point[];
  previous: Point[] | null;
  granularity: Timeseries["granularity"];
  label: string;
  onFirstHover: () => void;
}) {
  const dark = useDark();
  const data = series.map((point, index) => ({
    t: formatBucket(point.t, granularity),
    current: point.count,
    previous: previous?.[index]?.count,
  }));
  return (
    <div className="h-72" data-testid="trend-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 4, left: 0 }} onMouseMove={onFirstHover}>
          <CartesianGrid vertical={false} stroke={gridColour(dark)} />
          <XAxis dataKey="t" tick={{ fill: axisColour(dark), fontSize: 12 }} stroke={gridColour(dark)} minTickGap={24} />
          <YAxis allowDecimals={false} width={48} tick={{ fill: axisColour(dark), fontSize: 12 }} stroke={gridColour(dark)} />
          <Tooltip {...tooltipStyle(dark)} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line type="monotone" dataKey="current" name={label} stroke={INDIGO} strokeWidth={2} dot={false} isAnimationActive={false} />
          {previous && (
            <Line
              type="monotone"
              dataKey="previous"
              name="Previous period"
              stroke={axisColour(dark)}
              strokeDasharray="5 5"
              strokeWidth={1.5}
              dot={false}
              isAnimationActive={false}
            />
          )}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** A small breakdown chart (events per age group or gender). */
export function BreakdownChart({ items, testId }: { items: BreakdownItem[]; testId: string }) {
  const dark = useDark();
  const data = items.map((item) => ({ value: item.value ?? "Anonymous", count: item.count, users: item.uniqueUsers }));
  return (
    <div className="h-40" data-testid={testId}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 8 }}>
          <XAxis type="number" hide allowDecimals={false} />
          <YAxis type="category" dataKey="value" width={80} tick={{ fill: axisColour(dark), fontSize: 12 }} stroke={gridColour(dark)} />
          <Tooltip cursor={{ fill: dark ? "#1e293b" : "#f1f5f9" }} {...tooltipStyle(dark)} />
          <Bar dataKey="count" name="Events" fill={INDIGO} radius={4} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
