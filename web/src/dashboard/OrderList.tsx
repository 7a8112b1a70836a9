import type { ReactNode } from "react";
import type { OrderFilter, OrderStatus, SellerOrder } from "../api/client";
import { dateTime, money, statusWords } from "../ui/format";
import { DataTable, number } from "./DataTable";

const STATUSES: OrderStatus[] = ["pending", "paid", "picked_up", "out_for_delivery", "delivered", "cancelled", "failed"];

/** Status and date filters for an order list; each face adds its own (shop, customer). */
export function OrderFilters({ filter, change, children }: {
  filter: OrderFilter;
  change(filter: OrderFilter): void;
  children?: ReactNode;
}) {
  const set = (name: keyof OrderFilter, value: string) => change({ ...filter, [name]: value || undefined, page: 1 });
  return (
    <form className="toolbar" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <label>
        Status
        <select value={filter.status ?? ""} onChange={(e) => set("status", e.target.value)}>
          <option value="">Any status</option>
          {STATUSES.map((status) => (
            <option key={status} value={status}>
              {statusWords(status)}
            </option>
          ))}
        </select>
      </label>
      <label>
        From
        <input type="date" value={filter.from ?? ""} onChange={(e) => set("from", e.target.value)} />
      </label>
      <label>
        To
        <input type="date" value={filter.to ?? ""} onChange={(e) => set("to", e.target.value)} />
      </label>
      {children}
    </form>
  );
}

export function OrdersTable({ orders, caption, actions }: {
  orders: SellerOrder[];
  caption: string;
  actions?: (order: SellerOrder) => ReactNode;
}) {
  return (
    <DataTable caption={caption} columns={["Order", "Placed", "Status", "Items", number("Total"), !!actions && "Actions"]}>
      {orders.map((order) => (
        <tr key={order.order_id}>
          <th scope="row">{order.order_id.slice(0, 8)}</th>
          <td>{dateTime(order.created_at)}</td>
          <td><span className={`status-badge ${order.status}`}>{statusWords(order.status)}</span></td>
          <td>{order.items.map((line) => `${line.quantity} × ${line.name}`).join(", ")}</td>
          <td className="number">{money(order.total, order.currency)}</td>
          {actions && <td>{actions(order)}</td>}
        </tr>
      ))}
    </DataTable>
  );
}
