import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";

export function Home() {
  const categories = useQuery({ queryKey: ["categories"], queryFn: api.categories });
  const products = useQuery({ queryKey: ["products", "home"], queryFn: () => api.products({ per_page: 12 }) });
  return (
    <main>
      <h1>Souk</h1>
      <section aria-labelledby="categories">
        <h2 id="categories">Categories</h2>
        {categories.isPending && <p>Loading…</p>}
        {categories.error && <p role="alert">{categories.error.message}</p>}
        <ul>{categories.data?.items.map((c) => <li key={c.name}>{c.name} ({c.count})</li>)}</ul>
      </section>
      <section aria-labelledby="new">
        <h2 id="new">New in</h2>
        {products.isPending && <p>Loading…</p>}
        {products.error && <p role="alert">{products.error.message}</p>}
        {products.data?.items.length === 0 && <p>No products yet.</p>}
        <ul>
          {products.data?.items.map((p) => (
            <li key={p.id}>
              {p.name} — {p.effective_price} {p.currency}
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
