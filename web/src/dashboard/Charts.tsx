// Recharts is big: this module is loaded only when a dashboard draws its first chart.
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface Series {
  key: string;
  name: string;
  colour: string;
}

export default function Bars({ data, series, label }: { data: object[]; series: Series[]; label: string }) {
  return (
    <figure className="chart" aria-label={label}>
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" tickLine={false} interval={0} tick={{ fontSize: 12 }} />
          <YAxis width={56} tickLine={false} />
          {/* Recharts colours each tooltip line like its bar, too light to read on white. */}
          <Tooltip itemStyle={{ color: "var(--ink)" }} labelStyle={{ color: "var(--ink)" }} />
          {series.length > 1 && <Legend />}
          {series.map((one) => (
            <Bar key={one.key} dataKey={one.key} name={one.name} fill={one.colour} radius={[3, 3, 0, 0]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
