import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, everyPage, type OrderFilter } from "../api/client";
import { ordersCsv } from "../dashboard/figures";
import { OrderFilters, OrdersTable } from "../dashboard/OrderList";
import { pageCount } from "../shop/browse";
import { Pagination } from "../ui/Pagination";
import { Empty, ErrorNote, Loading } from "../ui/states";

const PER_PAGE = 20;

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
    mutationFn: () => everyPage((page, per_page) => api.sellerOrders({ ...filter, page, per_page })),
    onSuccess: (found) => download(`souk-orders-${new Date().toISOString().slice(0, 10)}.csv`, ordersCsv(found.items)),
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
