import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { Chart, CURRENT } from "../dashboard/Chart";
import { Tile } from "../dashboard/DashboardShell";
import { dateTime, money, statusWords } from "../ui/format";
import { ErrorNote, Loading } from "../ui/states";
import { DataTable, number } from "../dashboard/DataTable";

const FUNNEL_WORDS: Record<string, string> = {
  product_view: "Product views",
  add_to_cart: "Added to cart",
  order_placed: "Orders placed",
};

function CountTable({ rows, caption, what }: { rows: { label: string; value: number; users?: number }[]; caption: string; what: string }) {
  return (
    <DataTable caption={caption} columns={[what, number("Count"), rows.some((row) => row.users !== undefined) && number("Users")]}>
      {rows.map((row) => (
        <tr key={row.label}>
          <th scope="row">{row.label}</th>
          <td className="number">{row.value}</td>
          {row.users !== undefined && <td className="number">{row.users}</td>}
        </tr>
      ))}
    </DataTable>
  );
}

function Sales() {
  const summary = useQuery({ queryKey: ["sales-summary"], queryFn: api.salesSummary });
  if (summary.isPending) return <Loading what="Loading sales" />;
  if (summary.error) return <ErrorNote error={summary.error} retry={summary.refetch} />;
  const { currency } = summary.data;
  const byStatus = Object.entries(summary.data.orders_by_status).map(([status, value]) => ({ label: statusWords(status), value }));
  return (
    <>
      <div className="tiles">
        <Tile label="Revenue today" value={money(summary.data.revenue_today, currency)} />
        <Tile label="Revenue this month" value={money(summary.data.revenue_this_month, currency)} />
        <Tile label="Average order value" value={money(summary.data.average_order_value, currency)} />
        <Tile label="Paid orders" value={summary.data.paid_orders} />
      </div>
      <div className="panels">
        <section aria-labelledby="by-status">
          <h2 id="by-status">Orders by status</h2>
          <Chart data={byStatus} series={[{ key: "value", name: "Orders", colour: CURRENT }]} label="Orders by status" />
          <CountTable rows={byStatus} caption="Orders by status" what="Status" />
        </section>
        <Funnel />
      </div>
    </>
  );
}

function Funnel() {
  const stats = useQuery({ queryKey: ["activity-stats"], queryFn: api.activityStats });
  if (stats.isPending) return <Loading what="Loading activity" />;
  if (stats.error) return <ErrorNote error={stats.error} retry={stats.refetch} />;
  const steps = stats.data.funnel.map((step) => ({
    label: FUNNEL_WORDS[step.type] ?? step.type,
    value: step.events,
    users: step.users,
  }));
  return (
    <section aria-labelledby="funnel">
      <h2 id="funnel">Views → carts → orders</h2>
      <p className="muted">
        {dateTime(stats.data.from)} to {dateTime(stats.data.to)}
      </p>
      <Chart data={steps} series={[{ key: "value", name: "Events", colour: CURRENT }]} label="The activity funnel" />
      <CountTable rows={steps} caption="The activity funnel" what="Step" />
    </section>
  );
}

export function StaffHome() {
  return (
    <>
      <h1>Overview</h1>
      <Sales />
    </>
  );
}
