import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { api } from "../api/client";
import { useSession } from "../auth/session";
import { dateTime, money, statusWords } from "../ui/format";
import { Pagination } from "../ui/Pagination";
import { Empty, ErrorNote, Loading } from "../ui/states";
import { SignInRequired } from "./authForms";
import { pageCount } from "./browse";

export default function OrdersPage() {
  const { user } = useSession();
  const [page, setPage] = useState(1);
  const orders = useQuery({
    queryKey: ["orders", page],
    queryFn: () => api.orders(page),
    enabled: Boolean(user),
    placeholderData: keepPreviousData,
  });
  if (user === null) return <SignInRequired what="your orders" />;
  if (user === undefined || orders.isPending) return <Loading what="Loading your orders" />;
  if (orders.error) return <ErrorNote error={orders.error} retry={orders.refetch} />;
  return (
    <section className="orders-page">
      <h1>Your orders</h1>
      {orders.data.items.length === 0 ? (
        <Empty>
          No orders yet. <Link to="/search">Start shopping</Link>.
        </Empty>
      ) : (
        <ul className="order-list" aria-label="Orders">
          {orders.data.items.map((order) => {
            const count = order.items.reduce((sum, line) => sum + line.quantity, 0);
            return (
              <li key={order.order_id} className="card">
                <Link to={`/orders/${order.order_id}`}>Order {order.order_id.slice(0, 8)}</Link>
                <span className="muted">{dateTime(order.created_at)}</span>
                <span>
                  {count} {count === 1 ? "item" : "items"}
                </span>
                <strong>{money(order.total, order.currency)}</strong>
                <span className={`status-badge ${order.status}`}>{statusWords(order.status)}</span>
              </li>
            );
          })}
        </ul>
      )}
      <Pagination page={page} pages={pageCount(orders.data.total, orders.data.per_page)} go={setPage} />
    </section>
  );
}
