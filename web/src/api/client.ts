// The one place that talks HTTP to the gateway; components call these functions only.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface Page<T> {
  items: T[];
  page: number;
  per_page: number;
  total: number;
}

export interface Product {
  id: string;
  name: string;
  description: string;
  price: string;
  effective_price: string;
  currency: string;
  stock: number;
  in_stock: boolean;
  category: string | null;
  seller_id: string;
  images: string[];
  rating: number | null;
  review_count: number;
}

export interface Category {
  name: string;
  count: number;
}

export interface ProductQuery {
  q?: string;
  category?: string;
  min_price?: string;
  max_price?: string;
  in_stock?: boolean;
  sort?: "newest" | "price" | "-price" | "rating" | "popular";
  page?: number;
  per_page?: number;
}

/** The API's error body in words: `{"error": ..., "code": ..., "details": ...}`. */
export async function errorFrom(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: string; code?: string; details?: object };
    if (body && typeof body.error === "string") {
      return new ApiError(body.error, response.status, body.code ?? "error", {
        ...(body.details ?? {}),
      });
    }
  } catch {
    // not JSON: fall through to a generic message
  }
  return new ApiError(`The shop answered ${response.status}; please try again`, response.status, "http_error");
}

export async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.body && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  const response = await fetch(path, { ...init, headers });
  if (!response.ok) throw await errorFrom(response);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export function queryString(params: object): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export const api = {
  products: (query: ProductQuery = {}) =>
    request<Page<Product>>(`/api/products${queryString(query)}`),
  product: (id: string) => request<Product>(`/api/products/${encodeURIComponent(id)}`),
  categories: () => request<Page<Category>>("/api/products/categories"),
};
