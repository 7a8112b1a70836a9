import type { ProductQuery, ProductSort } from "../api/client";

export const PER_PAGE = 12;

export const SORTS: { value: ProductSort; label: string }[] = [
  { value: "newest", label: "Newest" },
  { value: "price", label: "Price: low to high" },
  { value: "-price", label: "Price: high to low" },
  { value: "rating", label: "Best rated" },
  { value: "popular", label: "Most popular" },
];

const SORT_VALUES = new Set<string>(SORTS.map((sort) => sort.value));

/** The search page's state, kept in its URL so links, reloads and back/forward keep it. */
export function queryFromParams(params: URLSearchParams): ProductQuery {
  const text = (key: string) => params.get(key)?.trim() || undefined;
  const sort = params.get("sort");
  const page = Number(params.get("page"));
  return {
    q: text("q"),
    category: text("category"),
    seller_id: text("seller_id"),
    min_price: text("min_price"),
    max_price: text("max_price"),
    in_stock: params.get("in_stock") === "true" ? true : undefined,
    on_offer: params.get("on_offer") === "true" ? true : undefined,
    sort: sort && SORT_VALUES.has(sort) ? (sort as ProductSort) : undefined,
    page: Number.isInteger(page) && page > 1 ? page : undefined,
  };
}

export function paramsFromQuery(query: ProductQuery): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "" && value !== false) params.set(key, String(value));
  }
  return params;
}

export function pageCount(total: number, perPage: number): number {
  return Math.max(1, Math.ceil(total / perPage));
}

export function isOnOffer(product: { price: string; effective_price: string }): boolean {
  return Number(product.effective_price) < Number(product.price);
}

export function percentOff(product: { price: string; effective_price: string }): number {
  const price = Number(product.price);
  return price > 0 ? Math.round((1 - Number(product.effective_price) / price) * 100) : 0;
}
