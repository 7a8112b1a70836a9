import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type OrderFilter, type OrderStatus, type SellerOrder } from "../api/client";
import { cancellable, nextOrderStatus } from "../dashboard/figures";
import { OrderFilters, OrdersTable } from "../dashboard/OrderList";
import { pageCount } from "../shop/browse";
import { Field } from "../ui/Field";
import { statusWords } from "../ui/format";
import { Pagination } from "../ui/Pagination";
import { Empty, ErrorNote, Loading } from "../ui/states";

const PER_PAGE = 20;

function Moves({ order }: { order: SellerOrder }) {
  const queryClient = useQueryClient();
  const move = useMutation({
    mutationFn: (status: OrderStatus) => api.setOrderStatus(order.order_id, status),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["all-orders"] }),
  });
  const next = nextOrderStatus(order.status);
  const short = order.order_id.slice(0, 8);
  return (
    <div className="row-actions">
      {next && (
        <button type="button" className="secondary" disabled={move.isPending} onClick={() => move.mutate(next as OrderStatus)}
          aria-label={`Mark order ${short} ${statusWords(next).toLowerCase()}`}>
          Mark {statusWords(next).toLowerCase()}
        </button>
      )}
      {cancellable(order.status) && (
        <button type="button" className="secondary danger" disabled={move.isPending} onClick={() => move.mutate("cancelled")}
          aria-label={`Cancel order ${short} and refund`}>
          Cancel and refund
        </button>
      )}
      {move.error && <ErrorNote error={move.error} />}
    </div>
  );
}

/** The customer filter: an e-mail address as its user's id; why not, in words, when it is none. */
function useCustomerId(email: string): { id?: string; problem?: string } {
  const wanted = email.trim().toLowerCase();
  const complete = /^[^@\s]+@[^@\s]+$/.test(wanted);
  const found = useQuery({
    queryKey: ["users", { q: wanted, role: "customer" }],
    queryFn: () => api.users({ q: wanted, role: "customer" }),
    enabled: complete,
  });
  if (!wanted) return {};
  if (!complete) return { problem: "Type the customer's whole email address" };
  if (!found.data) return { problem: found.error ? "The customers cannot be searched right now" : undefined };
  const match = found.data.items.find((user) => user.email.toLowerCase() === wanted);
  return match ? { id: match.user_id } : { problem: "No customer has this email" };
}

export function StaffOrders() {
  const [filter, setFilter] = useState<OrderFilter>({ page: 1 });
  const [customer, setCustomer] = useState("");
  const shops = useQuery({
    queryKey: ["users", { role: "seller", per_page: 100 }],
    queryFn: () => api.users({ role: "seller", per_page: 100 }),
  });
  const customerId = useCustomerId(customer);
  const waiting = customer.trim() !== "" && customerId.id === undefined;
  const query = { ...filter, user_id: customerId.id, per_page: PER_PAGE };
  const orders = useQuery({
    queryKey: ["all-orders", query],
    queryFn: () => api.allOrders(query),
    enabled: !waiting,
  });
  return (
    <>
      <h1>Orders</h1>
      <OrderFilters filter={filter} change={setFilter}>
        <label>
          Shop
          <select value={filter.seller_id ?? ""} onChange={(e) => setFilter({ ...filter, seller_id: e.target.value || undefined, page: 1 })}>
            <option value="">Every shop</option>
            {shops.data?.items.map((shop) => (
              <option key={shop.user_id} value={shop.user_id}>{shop.shop_name ?? shop.name}</option>
            ))}
          </select>
        </label>
        <Field label="Customer email" type="search" value={customer} onChange={(e) => { setCustomer(e.target.value); setFilter({ ...filter, page: 1 }); }}
          error={customerId.problem} />
      </OrderFilters>
      {waiting ? null : orders.isPending ? (
        <Loading what="Loading orders" />
      ) : orders.error ? (
        <ErrorNote error={orders.error} retry={orders.refetch} />
      ) : orders.data.items.length === 0 ? (
        <Empty>No orders match.</Empty>
      ) : (
        <>
          <p className="muted">{orders.data.total} orders</p>
          <OrdersTable orders={orders.data.items} caption="Every order" actions={(order) => <Moves order={order} />} />
          <Pagination page={filter.page ?? 1} pages={pageCount(orders.data.total, PER_PAGE)} go={(page) => setFilter({ ...filter, page })} />
        </>
      )}
    </>
  );
}
