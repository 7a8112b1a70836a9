import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, type OrderFilter, type SellerOrder } from "../api/client";
import { ordersCsv } from "../dashboard/figures";
import { OrderFilters, OrdersTable } from "../dashboard/OrderList";
import { pageCount } from "../shop/browse";
import { Pagination } from "../ui/Pagination";
import { Empty, ErrorNote, Loading } from "../ui/states";

const PER_PAGE = 20;
const EXPORT_LIMIT = 50; // pages of 100: a CSV of up to 5,000 orders

/** Every order the filter finds, page after page. */
async function everyOrder(filter: OrderFilter): Promise<SellerOrder[]> {
  const found: SellerOrder[] = [];
  for (let page = 1; page <= EXPORT_LIMIT; page += 1) {
    const batch = await api.sellerOrders({ ...filter, page, per_page: 100 });
    found.push(...batch.items);
    if (found.length >= batch.total || batch.items.length === 0) break;
  }
  return found;
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  link.click();
  URL.revokeObjectURL(url);
}

export function SellerOrders() {
  const [filter, setFilter] = useState<OrderFilter>({ page: 1 });
  const orders = useQuery({
    queryKey: ["seller-orders", filter],
    queryFn: () => api.sellerOrders({ ...filter, per_page: PER_PAGE }),
  });
  const exporting = useMutation({
    mutationFn: () => everyOrder({ ...filter, page: undefined }),
    onSuccess: (found) => download(`souk-orders-${new Date().toISOString().slice(0, 10)}.csv`, ordersCsv(found)),
  });
  return (
    <>
      <h1>Orders</h1>
      <OrderFilters filter={filter} change={setFilter}>
        <button type="button" className="secondary" onClick={() => exporting.mutate()} disabled={exporting.isPending}>
          {exporting.isPending ? "Exporting…" : "Export CSV"}
        </button>
      </OrderFilters>
      {exporting.error && <ErrorNote error={exporting.error} />}
      {orders.isPending ? (
        <Loading what="Loading orders" />
      ) : orders.error ? (
        <ErrorNote error={orders.error} retry={orders.refetch} />
      ) : orders.data.items.length === 0 ? (
        <Empty>No orders match.</Empty>
      ) : (
        <>
          <p className="muted">{orders.data.total} orders; each shows your lines and their money only.</p>
          <OrdersTable orders={orders.data.items} caption="Your shop's orders" />
          <Pagination page={filter.page ?? 1} pages={pageCount(orders.data.total, PER_PAGE)} go={(page) => setFilter({ ...filter, page })} />
        </>
      )}
    </>
  );
}
