// The one place that talks HTTP to the gateway; components call the functions of `api` only.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The per-field messages of a 400 (`details.fields`), if any, in plain words. */
  get fields(): Record<string, string> {
    const fields = this.details.fields;
    if (!fields || typeof fields !== "object") return {};
    return Object.fromEntries(
      Object.entries(fields as Record<string, string>).map(([name, message]) => [name, plainWords(message)]),
    );
  }
}

/** pydantic's messages without their jargon: a pattern is "not in the expected format". */
export function plainWords(message: string): string {
  if (message.startsWith("String should match pattern")) return "Not in the expected format";
  return message.replace(/^Value error, /, "");
}

export interface Page<T> {
  items: T[];
  page: number;
  per_page: number;
  total: number;
}

export type Role = "customer" | "seller" | "courier" | "admin";

export interface Notification {
  id: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  created_at: string;
  read_at: string | null;
}

export interface NotificationPage extends Page<Notification> {
  unread: number;
}

export interface NotificationPreference {
  kind: string;
  label: string;
  inbox: boolean;
  email: boolean;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  user_id: string;
  role: Role;
}

export interface SavedAddress {
  label?: string | null;
  line1: string;
  line2?: string | null;
  city: string;
  postal_code?: string | null;
  country: string;
  phone?: string | null;
}

export interface User {
  user_id: string;
  email: string;
  name: string;
  role: Role;
  phone: string | null;
  addresses: SavedAddress[];
  shop_name: string | null;
  zone: string | null;
  active: boolean;
  created_at: string;
}

export interface Offer {
  percent_off?: string | null;
  price?: string | null;
  starts_at?: string | null;
  ends_at?: string | null;
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
  sku?: string | null;
  images: string[];
  rating: number | null;
  review_count: number;
  offer?: Offer | null;
}

export interface Category {
  name: string;
  count: number;
}

export type ProductSort = "newest" | "price" | "-price" | "rating" | "popular";

export interface ProductQuery {
  q?: string;
  category?: string;
  seller_id?: string;
  min_price?: string;
  max_price?: string;
  in_stock?: boolean;
  on_offer?: boolean;
  sort?: ProductSort;
  page?: number;
  per_page?: number;
}

export interface Review {
  id: string;
  rating: number;
  comment: string;
  author: string;
  verified_purchase: boolean;
  created_at: string;
}

export interface ReviewPage extends Page<Review> {
  average_rating: string | null;
  review_count: number;
}

export interface CartLine {
  item_id: string;
  product_id: string;
  name: string;
  unit_price: string | null;
  quantity: number;
  line_total: string | null;
  seller_id: string;
  available: boolean;
}

export interface Cart {
  items: CartLine[];
  subtotal: string;
  currency: string;
}

export interface Shop {
  seller_id: string;
  shop_name: string;
}

export interface CheckoutAddress {
  name?: string;
  line1: string;
  line2?: string;
  city: string;
  postal_code?: string;
  country: string;
  phone?: string;
  zone?: string;
}

export interface CheckoutRequest {
  shipping_address?: CheckoutAddress;
  shipping_method?: string;
  payment?: { token: string };
}

export type OrderStatus =
  | "pending"
  | "paid"
  | "picked_up"
  | "out_for_delivery"
  | "delivered"
  | "cancelled"
  | "failed";

export interface OrderLine {
  product_id: string;
  seller_id: string;
  name: string;
  quantity: number;
  list_price: string;
  unit_price: string;
  line_total: string;
}

export interface OrderSummary {
  order_id: string;
  status: OrderStatus;
  items: OrderLine[];
  subtotal: string;
  discount: string;
  shipping_cost: string;
  total: string;
  currency: string;
  created_at: string;
}

export interface ShipmentEvent {
  status: string;
  at: string;
  note: string | null;
}

export interface Order extends OrderSummary {
  failure_reason: string | null;
  shipping_address: CheckoutAddress | string | null;
  shipping_method: string;
  estimated_days: number | null;
  payment: { status: string; amount: string; refunded_amount: string; currency: string } | null;
  history: { status: OrderStatus; at: string; note?: string | null }[];
  shipment: {
    id: string;
    tracking_number: string | null;
    status: string;
    courier_id: string | null;
    events: ShipmentEvent[];
  } | null;
}

export interface Checkout extends OrderSummary {
  message: string;
}

export interface ShippingMethod {
  code: string;
  name: string;
  estimated_days: number;
  min_days: number;
  max_days: number;
}

export interface ShippingMethods {
  methods: ShippingMethod[];
  zones: { code: string; name: string }[];
  currency: string;
  default_method: string;
  default_zone: string;
}

export interface Quote {
  cost: string;
  currency: string;
  method: string;
  zone: string;
  estimated_days: number;
  min_days: number;
  max_days: number;
}

export type ShipmentStatus = "pending" | "picked_up" | "out_for_delivery" | "delivered" | "cancelled";

export interface ShipmentSummary {
  id: string;
  order_id: string;
  tracking_number: string;
  status: ShipmentStatus;
  zone: string;
  method: string;
  courier_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface Shipment {
  id: string;
  order_id: string;
  tracking_number: string;
  status: ShipmentStatus;
  courier: { id: string; name: string | null } | null;
  zone: string;
  method: string;
  address: CheckoutAddress | null;
  created_at: string;
  events: ShipmentEvent[];
}

export interface Tracking {
  tracking_number: string;
  status: ShipmentStatus;
  events: ShipmentEvent[];
}

export interface Message {
  message: string;
}

// --- sellers and staff ----------------------------------------------------------------------

export interface ProductInput {
  name: string;
  price: string;
  description?: string;
  stock?: number;
  category?: string | null;
  sku?: string | null;
}

export interface SellerProduct extends Product {
  active: boolean;
  created_at: string;
}

export interface OfferInput {
  percent_off?: string;
  price?: string;
  starts_at?: string;
  ends_at?: string;
}

export interface SavedOffer {
  id: string;
  percent_off: string | null;
  price: string | null;
  starts_at: string;
  ends_at: string | null;
}

export interface StockLevel {
  product_id: string;
  seller_id: string;
  stock: number;
  reserved: number;
  available: number;
  low_stock_threshold: number;
  low_stock: boolean;
  updated_at: string;
}

export interface Movement {
  id: number;
  change_type: "restock" | "purchase" | "adjustment" | "release" | "return" | string;
  quantity: number;
  reserved_change: number;
  old_stock: number;
  new_stock: number;
  reason: string | null;
  order_id: string | null;
  at: string;
}

export interface SellerOrder extends OrderSummary {
  user_id: string;
  paid_at: string | null;
}

export interface OrderFilter {
  status?: OrderStatus;
  from?: string;
  to?: string;
  user_id?: string;
  seller_id?: string;
  page?: number;
  per_page?: number;
}

export interface RevenuePeriod {
  period: string;
  revenue: string;
  orders: number;
}

export interface TopProduct {
  product_id: string;
  name: string;
  quantity: number;
  revenue: string;
  orders: number;
}

export interface SalesSummary {
  orders_by_status: Record<string, number>;
  paid_orders: number;
  revenue_today: string;
  revenue_this_month: string;
  average_order_value: string;
  currency: string;
}

export interface ActivityStats {
  from: string;
  to: string;
  total: number;
  by_type: Record<string, number>;
  funnel: { type: string; events: number; users: number }[];
}

export interface NewUser {
  email: string;
  password: string;
  name: string;
  role: Role;
  shop_name?: string;
  zone?: string;
}

export interface CourierFigures {
  courier_id: string;
  name: string | null;
  zone: string | null;
  active: boolean | null;
  active_deliveries: number;
  completed_deliveries: number;
}

export interface DisabledProduct {
  id: string;
  name: string;
  seller_id: string;
  category: string | null;
  price: string;
  reason: string | null;
  disabled_at: string | null;
  by_staff: boolean;
}

export interface Banner {
  id: string;
  title: string;
  body: string;
  link_url: string | null;
  position: number;
  published: boolean;
  starts_at: string | null;
  ends_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ContentPage {
  slug: string;
  title: string;
  body: string;
  published: boolean;
  position: number;
  updated_at: string;
}

export type PageInput = Pick<ContentPage, "title" | "body" | "published" | "position">;

export type BannerInput = Partial<Pick<Banner, "title" | "body" | "link_url" | "position" | "published" | "starts_at" | "ends_at">>;

// --- the session's tokens -------------------------------------------------------------------

const SESSION_KEY = "souk.session";
type SessionListener = (tokens: Tokens | null) => void;
const listeners = new Set<SessionListener>();

export const session = {
  get(): Tokens | null {
    try {
      const saved = localStorage.getItem(SESSION_KEY);
      return saved ? (JSON.parse(saved) as Tokens) : null;
    } catch {
      return null;
    }
  },
  set(tokens: Tokens | null): void {
    if (tokens) localStorage.setItem(SESSION_KEY, JSON.stringify(tokens));
    else localStorage.removeItem(SESSION_KEY);
    listeners.forEach((listener) => listener(tokens));
  },
  subscribe(listener: SessionListener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

// --- HTTP -----------------------------------------------------------------------------------

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
  return new ApiError(
    `The shop answered ${response.status}; please try again`,
    response.status,
    "http_error",
  );
}

function networkError(): ApiError {
  return new ApiError("The shop cannot be reached; check your connection and try again", 0, "network");
}

let refreshing: Promise<boolean> | null = null;

/** Trade the refresh token for a new pair, once however many requests ask at the same time. */
export function refreshSession(): Promise<boolean> {
  const current = session.get();
  if (!current) return Promise.resolve(false);
  refreshing ??= fetch("/api/auth/refresh", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: current.refresh_token }),
  })
    .then(async (response) => {
      if (!response.ok) {
        session.set(null);
        return false;
      }
      session.set((await response.json()) as Tokens);
      return true;
    })
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

export async function request<T>(path: string, init: RequestInit = {}, retried = false): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.body && !(init.body instanceof FormData) && !headers.has("Content-Type")) {
    headers.set("Content-Type", "application/json");
  }
  const tokens = session.get();
  if (tokens) headers.set("Authorization", `Bearer ${tokens.access_token}`);
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch {
    throw networkError();
  }
  if (response.status === 401 && tokens && !retried && (await refreshSession())) {
    return request<T>(path, init, true);
  }
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

/** Every item of a paginated list, asked for 100 at a time (a seller's products, their stock). */
export async function everyPage<T>(fetchPage: (page: number, perPage: number) => Promise<Page<T>>): Promise<Page<T>> {
  const items: T[] = [];
  for (let page = 1; ; page += 1) {
    const batch = await fetchPage(page, 100);
    items.push(...batch.items);
    if (batch.items.length === 0 || items.length >= batch.total) {
      return { items, page: 1, per_page: items.length, total: batch.total };
    }
  }
}

const json = (method: string, body?: unknown): RequestInit => ({
  method,
  body: body === undefined ? undefined : JSON.stringify(body),
});
const id = encodeURIComponent;

// --- the API --------------------------------------------------------------------------------

export const api = {
  // auth
  register: (body: { email: string; password: string; name?: string }) =>
    request<{ user_id: string; email: string; role: Role }>("/api/auth/register", json("POST", body)),
  login: (body: { email: string; password: string }) =>
    request<Tokens>("/api/auth/login", json("POST", body)),
  logout: () => request<Message>("/api/auth/logout", json("POST")),
  me: () => request<User>("/api/auth/me"),
  updateMe: (body: { name?: string; phone?: string | null; addresses?: SavedAddress[] }) =>
    request<User>("/api/auth/me", json("PATCH", body)),
  changePassword: (body: { current_password: string; new_password: string }) =>
    request<Message>("/api/auth/password", json("POST", body)),
  shops: (sellerIds: string[]) =>
    request<{ items: Shop[] }>(`/api/auth/shops${queryString({ ids: sellerIds.join(",") })}`),

  // catalogue
  products: (query: ProductQuery = {}) =>
    request<Page<Product>>(`/api/products${queryString(query)}`),
  product: (productId: string) => request<Product>(`/api/products/${id(productId)}`),
  categories: () => request<Page<Category>>("/api/products/categories"),
  reviews: (productId: string, page = 1) =>
    request<ReviewPage>(`/api/products/${id(productId)}/reviews${queryString({ page })}`),
  addReview: (productId: string, body: { rating: number; comment: string }) =>
    request<{ id: string; message: string }>(
      `/api/products/${id(productId)}/reviews`,
      json("POST", body),
    ),
  recordEvent: (body: { type: string; product_id?: string; metadata?: object }) =>
    request<unknown>("/api/activity/events", json("POST", body)),

  // cart
  cart: () => request<Cart>("/api/cart"),
  addToCart: (productId: string, quantity = 1) =>
    request<{ item_id: string; message: string }>(
      "/api/cart",
      json("POST", { product_id: productId, quantity }),
    ),
  setQuantity: (itemId: string, quantity: number) =>
    request<CartLine | Message>(`/api/cart/${id(itemId)}`, json("PATCH", { quantity })),
  removeFromCart: (itemId: string) => request<Message>(`/api/cart/${id(itemId)}`, json("DELETE")),

  // checkout and orders
  shippingMethods: () => request<ShippingMethods>("/api/shipping/methods"),
  quote: (body: { items: { product_id: string; quantity: number }[]; zone?: string; method?: string }) =>
    request<Quote>("/api/shipping/quote", json("POST", body)),
  checkout: (body: CheckoutRequest, idempotencyKey: string) =>
    request<Checkout>("/api/orders", {
      ...json("POST", body),
      headers: { "Idempotency-Key": idempotencyKey },
    }),
  orders: (page = 1) => request<Page<OrderSummary>>(`/api/orders${queryString({ page })}`),
  order: (orderId: string) => request<Order>(`/api/orders/${id(orderId)}`),
  cancelOrder: (orderId: string) =>
    request<Message>(`/api/orders/${id(orderId)}/cancel`, json("POST")),
  track: (trackingNumber: string) =>
    request<Tracking>(`/api/shipping/track/${id(trackingNumber.trim())}`),

  // notifications (every signed-in user)
  notifications: (page = 1) => request<NotificationPage>(`/api/notifications${queryString({ page })}`),
  markNotificationRead: (notificationId: string) =>
    request<Notification>(`/api/notifications/${id(notificationId)}/read`, json("POST")),
  markAllNotificationsRead: () => request<{ marked: number }>("/api/notifications/read-all", json("POST")),
  notificationPreferences: () =>
    request<{ items: NotificationPreference[] }>("/api/notifications/preferences"),
  chooseNotifications: (kind: string, body: { inbox?: boolean; email?: boolean }) =>
    request<NotificationPreference>(`/api/notifications/preferences/${id(kind)}`, json("PUT", body)),

  // couriers
  shipments: (query: { status?: ShipmentStatus; zone?: string; page?: number; per_page?: number } = {}) =>
    request<Page<ShipmentSummary>>(`/api/shipping/shipments${queryString(query)}`),
  shipment: (shipmentId: string) => request<Shipment>(`/api/shipping/shipments/${id(shipmentId)}`),
  pickUp: (shipmentId: string) =>
    request<ShipmentSummary>(`/api/shipping/shipments/${id(shipmentId)}/pickup`, json("POST")),
  outForDelivery: (shipmentId: string) =>
    request<ShipmentSummary>(`/api/shipping/shipments/${id(shipmentId)}/out-for-delivery`, json("POST")),
  deliver: (shipmentId: string) =>
    request<ShipmentSummary>(`/api/shipping/shipments/${id(shipmentId)}/deliver`, json("POST")),

  // sellers
  myProducts: (page = 1, perPage = 100) =>
    request<Page<SellerProduct>>(`/api/products/mine${queryString({ page, per_page: perPage })}`),
  createProduct: (body: ProductInput) =>
    request<SellerProduct & Message>("/api/products", json("POST", body)),
  updateProduct: (productId: string, body: Partial<ProductInput>) =>
    request<SellerProduct & Message>(`/api/products/${id(productId)}`, json("PATCH", body)),
  deleteProduct: (productId: string) =>
    request<Message>(`/api/products/${id(productId)}`, json("DELETE")),
  uploadImage: (productId: string, file: File) => {
    const form = new FormData();
    form.append("image", file);
    return request<{ id: string; url: string }>(`/api/products/${id(productId)}/images`, {
      method: "POST",
      body: form,
    });
  },
  setProductActive: (productId: string, active: boolean, reason?: string) =>
    request<SellerProduct & Message>(
      `/api/products/${id(productId)}/${active ? "enable" : "disable"}`,
      json("PUT", reason ? { reason } : {}),
    ),
  offers: (productId: string) =>
    request<{ items: SavedOffer[] }>(`/api/products/${id(productId)}/offers`),
  createOffer: (productId: string, body: OfferInput) =>
    request<SavedOffer & Message>(`/api/products/${id(productId)}/offers`, json("POST", body)),
  stockLevels: (page = 1, perPage = 100) =>
    request<Page<StockLevel>>(`/api/inventory${queryString({ page, per_page: perPage })}`),
  lowStock: () => request<Page<StockLevel>>("/api/inventory/alerts?per_page=100"),
  movements: (productId: string) =>
    request<Page<Movement>>(`/api/inventory/${id(productId)}/movements?per_page=50`),
  setStock: (productId: string, stock: number, reason?: string) =>
    request<StockLevel & Message>(`/api/inventory/${id(productId)}`, json("PUT", { stock, reason })),
  setThreshold: (productId: string, threshold: number) =>
    request<StockLevel & Message>(
      `/api/inventory/${id(productId)}/threshold`,
      json("PUT", { low_stock_threshold: threshold }),
    ),
  sellerOrders: (filter: OrderFilter = {}) =>
    request<Page<SellerOrder>>(`/api/orders/seller${queryString(filter)}`),
  revenue: (granularity: "month" | "year", range: { from?: string; to?: string } = {}) =>
    request<{ items: RevenuePeriod[]; currency: string }>(
      `/api/orders/analytics/revenue${queryString({ granularity, ...range })}`,
    ),
  topProducts: (limit = 5) =>
    request<{ items: TopProduct[]; currency: string }>(
      `/api/orders/analytics/top-products${queryString({ limit })}`,
    ),

  // staff
  salesSummary: () => request<SalesSummary>("/api/orders/analytics/summary"),
  activityStats: () => request<ActivityStats>("/api/activity/stats"),
  users: (query: { q?: string; role?: Role; page?: number; per_page?: number } = {}) =>
    request<Page<User>>(`/api/auth/users${queryString(query)}`),
  createUser: (body: NewUser) => request<User>("/api/auth/users", json("POST", body)),
  updateUser: (userId: string, body: { active?: boolean; role?: Role }) =>
    request<User>(`/api/auth/users/${id(userId)}`, json("PATCH", body)),
  disabledProducts: (page = 1) =>
    request<Page<DisabledProduct>>(`/api/products/disabled${queryString({ page })}`),
  allOrders: (filter: OrderFilter = {}) =>
    request<Page<SellerOrder>>(`/api/orders/all${queryString(filter)}`),
  setOrderStatus: (orderId: string, status: OrderStatus) =>
    request<Order>(`/api/orders/${id(orderId)}/status`, json("PUT", { status })),
  couriers: () => request<Page<CourierFigures>>("/api/shipping/couriers?per_page=100"),
  banners: () => request<{ items: Banner[] }>("/api/products/banners"),
  everyBanner: () => request<{ items: Banner[] }>("/api/products/banners/all"),
  createBanner: (body: BannerInput) =>
    request<Banner & Message>("/api/products/banners", json("POST", body)),
  updateBanner: (bannerId: string, body: BannerInput) =>
    request<Banner & Message>(`/api/products/banners/${id(bannerId)}`, json("PATCH", body)),
  pageLinks: () => request<{ items: { slug: string; title: string }[] }>("/api/products/pages"),
  page: (slug: string) => request<ContentPage>(`/api/products/pages/${id(slug)}`),
  everyPage: () => request<{ items: ContentPage[] }>("/api/products/pages/all"),
  writePage: (slug: string, body: PageInput) =>
    request<ContentPage & Message>(`/api/products/pages/${id(slug)}`, json("PUT", body)),
  deletePage: (slug: string) => request<Message>(`/api/products/pages/${id(slug)}`, json("DELETE")),
  deleteBanner: (bannerId: string) =>
    request<Message>(`/api/products/banners/${id(bannerId)}`, json("DELETE")),
};
