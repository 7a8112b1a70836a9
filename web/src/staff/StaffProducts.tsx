import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, type Product } from "../api/client";
import { pageCount } from "../shop/browse";
import { useShopNames } from "../shop/shops";
import { Field } from "../ui/Field";
import { dateTime, money } from "../ui/format";
import { Pagination } from "../ui/Pagination";
import { Empty, ErrorNote, Loading } from "../ui/states";
import { DataTable } from "../dashboard/DataTable";

function useModeration() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ productId, active, reason }: { productId: string; active: boolean; reason?: string }) =>
      api.setProductActive(productId, active, reason),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ["moderation"] }),
        queryClient.invalidateQueries({ queryKey: ["disabled-products"] }),
      ]),
  });
}

function DisableForm({ product, shop }: { product: Product; shop: string }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const moderate = useModeration();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    moderate.mutate({ productId: product.id, active: false, reason: reason.trim() || undefined });
  };
  return (
    <li>
      <strong>{product.name}</strong>
      <span>
        {shop} · {money(product.effective_price, product.currency)} · {product.category ?? "no category"}
      </span>
      {open ? (
        <form className="inline-form" onSubmit={submit} aria-label={`Disable ${product.name}`}>
          <Field label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} hint="The seller sees it" />
          <button type="submit" className="danger" disabled={moderate.isPending}>Disable</button>
          <button type="button" className="secondary" onClick={() => setOpen(false)}>Cancel</button>
        </form>
      ) : (
        <div>
          <button type="button" className="secondary" onClick={() => setOpen(true)} aria-label={`Disable ${product.name}…`}>
            Disable…
          </button>
        </div>
      )}
      {moderate.error && <ErrorNote error={moderate.error} />}
    </li>
  );
}

function Find() {
  const [words, setWords] = useState("");
  const [page, setPage] = useState(1);
  const query = { q: words.trim() || undefined, page, per_page: 20 };
  const found = useQuery({ queryKey: ["moderation", query], queryFn: () => api.products(query) });
  const shopOf = useShopNames(found.data?.items.map((p) => p.seller_id) ?? []);
  return (
    <section aria-labelledby="find">
      <h2 id="find">Listed products</h2>
      <form className="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field label="Find products" type="search" value={words} onChange={(e) => { setWords(e.target.value); setPage(1); }} />
      </form>
      {found.isPending ? (
        <Loading what="Loading products" />
      ) : found.error ? (
        <ErrorNote error={found.error} retry={found.refetch} />
      ) : found.data.items.length === 0 ? (
        <Empty>No listed product matches.</Empty>
      ) : (
        <>
          <ul className="plain-list">
            {found.data.items.map((product) => (
              <DisableForm key={product.id} product={product} shop={shopOf(product.seller_id)} />
            ))}
          </ul>
          <Pagination page={page} pages={pageCount(found.data.total, 20)} go={setPage} />
        </>
      )}
    </section>
  );
}

function Disabled() {
  const [page, setPage] = useState(1);
  const disabled = useQuery({ queryKey: ["disabled-products", page], queryFn: () => api.disabledProducts(page) });
  const moderate = useModeration();
  const shopOf = useShopNames(disabled.data?.items.map((p) => p.seller_id) ?? []);
  if (disabled.isPending) return <Loading what="Loading disabled products" />;
  if (disabled.error) return <ErrorNote error={disabled.error} retry={disabled.refetch} />;
  if (disabled.data.items.length === 0) return <Empty>No product is disabled.</Empty>;
  return (
    <>
      <DataTable caption="Disabled products" columns={["Product", "Shop", "Disabled", "Reason", "Actions"]}>
        {disabled.data.items.map((product) => (
          <tr key={product.id}>
            <th scope="row">{product.name}</th>
            <td>{shopOf(product.seller_id)}</td>
            <td>
              {product.disabled_at ? dateTime(product.disabled_at) : "—"}
              <div className="muted">{product.by_staff ? "by staff" : "by the shop"}</div>
            </td>
            <td>{product.reason ?? "—"}</td>
            <td>
              <button type="button" className="secondary" disabled={moderate.isPending}
                onClick={() => moderate.mutate({ productId: product.id, active: true })} aria-label={`Enable ${product.name}`}>
                Enable
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
      {moderate.error && <ErrorNote error={moderate.error} />}
      <Pagination page={page} pages={pageCount(disabled.data.total, disabled.data.per_page)} go={setPage} />
    </>
  );
}

export function StaffProducts() {
  return (
    <>
      <h1>Product moderation</h1>
      <section aria-labelledby="disabled">
        <h2 id="disabled">Disabled products</h2>
        <Disabled />
      </section>
      <Find />
    </>
  );
}
