import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api, type RevenuePeriod } from "../api/client";
import { Chart, CURRENT, PREVIOUS } from "../dashboard/Chart";
import { Tile } from "../dashboard/DashboardShell";
import { change, day, monthsCompared, yearsCompared, type ComparedPeriod } from "../dashboard/figures";
import { money } from "../ui/format";
import { Empty, ErrorNote, Loading } from "../ui/states";
import { useProductNames } from "./products";
import { DataTable, number } from "../dashboard/DataTable";

function ComparedTable({ rows, current, previous, currency, caption }: {
  rows: ComparedPeriod[];
  current: string;
  previous: string;
  currency: string;
  caption: string;
}) {
  return (
    <DataTable caption={caption} columns={["Period", number(current), number(previous), number("Change")]}>
      {rows.map((row) => (
        <tr key={row.label}>
          <th scope="row">{row.label}</th>
          <td className="number">{money(row.current, currency)}</td>
          <td className="number">{money(row.previous, currency)}</td>
          <td className="number">{change(row.current, row.previous)}</td>
        </tr>
      ))}
    </DataTable>
  );
}

function Revenue({ year }: { year: number }) {
  const months = useQuery({
    queryKey: ["revenue", "month", year],
    queryFn: () => api.revenue("month", { from: `${year - 1}-01-01`, to: `${year}-12-31` }),
  });
  const years = useQuery({ queryKey: ["revenue", "year"], queryFn: () => api.revenue("year") });
  if (months.isPending || years.isPending) return <Loading what="Loading revenue" />;
  if (months.error || years.error) return <ErrorNote error={months.error ?? years.error} retry={months.refetch} />;
  const byMonth = monthsCompared(months.data.items, year);
  const byYear = yearsCompared(years.data.items as RevenuePeriod[]);
  const currency = months.data.currency;
  const series = [
    { key: "current", name: String(year), colour: CURRENT },
    { key: "previous", name: String(year - 1), colour: PREVIOUS },
  ];
  return (
    <div className="panels">
      <section aria-labelledby="by-month">
        <h2 id="by-month">Revenue by month</h2>
        <Chart data={byMonth} series={series} label={`Revenue by month, ${year} beside ${year - 1}`} />
        <ComparedTable rows={byMonth} current={String(year)} previous={String(year - 1)} currency={currency} caption="Revenue by month" />
      </section>
      <section aria-labelledby="by-year">
        <h2 id="by-year">Revenue by year</h2>
        {byYear.length === 0 ? (
          <Empty>No sales yet.</Empty>
        ) : (
          <>
            <Chart
              data={byYear}
              series={[{ key: "current", name: "Revenue", colour: CURRENT }]}
              label="Revenue by year"
            />
            <ComparedTable rows={byYear} current="Revenue" previous="Year before" currency={currency} caption="Revenue by year" />
          </>
        )}
      </section>
    </div>
  );
}

function TopProducts() {
  const top = useQuery({ queryKey: ["top-products"], queryFn: () => api.topProducts(10) });
  if (top.isPending) return <Loading what="Loading best sellers" />;
  if (top.error) return <ErrorNote error={top.error} retry={top.refetch} />;
  if (top.data.items.length === 0) return <Empty>Nothing sold yet.</Empty>;
  const byRevenue = [...top.data.items].sort((a, b) => Number(b.revenue) - Number(a.revenue));
  const table = (label: string, rows: typeof byRevenue) => (
    <section aria-label={label}>
      <h2>{label}</h2>
      <Chart
        data={rows.slice(0, 5).map((row) => ({ label: row.name, value: label.includes("quantity") ? row.quantity : Number(row.revenue) }))}
        series={[{ key: "value", name: label, colour: CURRENT }]}
        label={label}
      />
      <DataTable caption={label} columns={["Product", number("Sold"), number("Revenue"), number("Orders")]}>
        {rows.map((row) => (
          <tr key={row.product_id}>
            <th scope="row">{row.name}</th>
            <td className="number">{row.quantity}</td>
            <td className="number">{money(row.revenue, top.data.currency)}</td>
            <td className="number">{row.orders}</td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
  return (
    <div className="panels">
      {table("Most sold by quantity", top.data.items)}
      {table("Most sold by revenue", byRevenue)}
    </div>
  );
}

function Headlines() {
  const today = day(new Date());
  const orders = useQuery({
    queryKey: ["seller-orders", { from: today, to: today }],
    queryFn: () => api.sellerOrders({ from: today, to: today, per_page: 100 }),
  });
  const month = useQuery({
    queryKey: ["revenue", "this-month", today],
    queryFn: () => api.revenue("month", { from: `${today.slice(0, 7)}-01` }),
  });
  const low = useQuery({ queryKey: ["low-stock"], queryFn: api.lowStock });
  const revenueToday = orders.data?.items.reduce((sum, order) => sum + Number(order.total), 0);
  return (
    <div className="tiles">
      <Tile label="Orders today" value={orders.data ? orders.data.total : "…"} />
      <Tile label="Sales today" value={revenueToday === undefined ? "…" : money(revenueToday)} />
      <Tile label="Revenue this month" value={month.data ? money(month.data.items[0]?.revenue ?? 0, month.data.currency) : "…"} />
      <Tile label="Low-stock products" value={low.data ? low.data.total : "…"} />
    </div>
  );
}

function LowStock() {
  const low = useQuery({ queryKey: ["low-stock"], queryFn: api.lowStock });
  const nameOf = useProductNames();
  if (low.isPending) return <Loading what="Loading stock alerts" />;
  if (low.error) return <ErrorNote error={low.error} retry={low.refetch} />;
  if (low.data.items.length === 0) return <Empty>Every product is above its low-stock threshold.</Empty>;
  return (
    <ul className="plain-list">
      {low.data.items.map((level) => (
        <li key={level.product_id}>
          <Link to={`/seller/stock?product=${level.product_id}`}>{nameOf(level.product_id)}</Link>
          <span>
            {level.available} available · threshold {level.low_stock_threshold}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function SellerHome() {
  const year = new Date().getFullYear();
  return (
    <>
      <h1>Dashboard</h1>
      <Headlines />
      <Revenue year={year} />
      <TopProducts />
      <section aria-labelledby="low-stock">
        <h2 id="low-stock">Low stock</h2>
        <LowStock />
      </section>
    </>
  );
}
