import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router-dom";
import { api, type ProductQuery, type ProductSort } from "../api/client";
import { Pagination } from "../ui/Pagination";
import { Empty, ErrorNote, Loading } from "../ui/states";
import { PER_PAGE, SORTS, pageCount, paramsFromQuery, queryFromParams } from "./browse";
import { ProductGrid } from "./ProductCard";

function Filters({ query, apply }: { query: ProductQuery; apply(query: ProductQuery): void }) {
  const categories = useQuery({ queryKey: ["categories"], queryFn: api.categories });
  const [draft, setDraft] = useState(query);
  // The list holds the biggest categories; one chosen by a link may be a smaller one.
  const listed = categories.data?.items.map((category) => category.name) ?? [];
  const categoryNames = query.category && !listed.includes(query.category) ? [query.category, ...listed] : listed;
  const set = (change: Partial<ProductQuery>) => setDraft((current) => ({ ...current, ...change }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply({ ...draft, page: undefined });
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Filters">
      <label>
        Words
        <input type="search" value={draft.q ?? ""} onChange={(e) => set({ q: e.target.value })} />
      </label>
      <label>
        Category
        <select value={draft.category ?? ""} onChange={(e) => set({ category: e.target.value })}>
          <option value="">All categories</option>
          {categoryNames.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <div className="price-range">
        <label>
          Min price
          <input
            type="number" min="0" step="0.01" inputMode="decimal"
            value={draft.min_price ?? ""} onChange={(e) => set({ min_price: e.target.value })}
          />
        </label>
        <label>
          Max price
          <input
            type="number" min="0" step="0.01" inputMode="decimal"
            value={draft.max_price ?? ""} onChange={(e) => set({ max_price: e.target.value })}
          />
        </label>
      </div>
      <label className="checkbox">
        <input
          type="checkbox" checked={draft.in_stock ?? false}
          onChange={(e) => set({ in_stock: e.target.checked || undefined })}
        />
        In stock only
      </label>
      <label className="checkbox">
        <input
          type="checkbox" checked={draft.on_offer ?? false}
          onChange={(e) => set({ on_offer: e.target.checked || undefined })}
        />
        On offer only
      </label>
      <button type="submit">Apply filters</button>
    </form>
  );
}

export default function SearchPage() {
  const [params, setParams] = useSearchParams();
  const query = queryFromParams(params);
  const page = query.page ?? 1;
  const results = useQuery({
    queryKey: ["products", { ...query, per_page: PER_PAGE }],
    queryFn: () => api.products({ ...query, per_page: PER_PAGE }),
    placeholderData: keepPreviousData,
  });
  const apply = (next: ProductQuery) => setParams(paramsFromQuery(next));
  useEffect(() => {
    if (query.q) api.recordEvent({ type: "search", metadata: { q: query.q } }).catch(() => undefined);
  }, [query.q]);

  return (
    <section className="search-page">
      <h1>{query.q ? `Results for “${query.q}”` : query.category ?? "All products"}</h1>
      <div className="search-layout">
        <Filters key={params.toString()} query={query} apply={apply} />
        <div>
          <div className="results-bar">
            <p aria-live="polite">
              {results.data && `${results.data.total} ${results.data.total === 1 ? "result" : "results"}`}
            </p>
            <label className="inline">
              Sort by
              <select
                value={query.sort ?? "newest"}
                onChange={(e) => apply({ ...query, sort: e.target.value as ProductSort, page: undefined })}
              >
                {SORTS.map((sort) => (
                  <option key={sort.value} value={sort.value}>
                    {sort.label}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {results.isPending && <Loading what="Searching" />}
          {results.error && <ErrorNote error={results.error} />}
          {results.data?.items.length === 0 && (
            <Empty>No products match these filters. Try fewer words or a wider price range.</Empty>
          )}
          {results.data && results.data.items.length > 0 && (
            <>
              <ProductGrid products={results.data.items} label="Results" />
              <Pagination
                page={page}
                pages={pageCount(results.data.total, PER_PAGE)}
                go={(next) => apply({ ...query, page: next })}
              />
            </>
          )}
        </div>
      </div>
    </section>
  );
}
