import type { QueryClient } from "@tanstack/react-query";
import { refreshSession, session, type Product } from "./client";

/** One server-sent event of `GET /api/activity/stream`. */
export interface LiveEvent {
  id: string | null;
  kind: string;
  data: Record<string, unknown>;
}

export interface Parsed {
  events: LiveEvent[];
  /** The text after the last complete event: the start of one still arriving. */
  rest: string;
  retryMs?: number;
}

/** The complete events in `text` (comments, heartbeats, are skipped). */
export function parseEvents(text: string): Parsed {
  const normalised = text.replace(/\r\n?/g, "\n");
  const blocks = normalised.split("\n\n");
  const rest = blocks.pop() ?? "";
  const events: LiveEvent[] = [];
  let retryMs: number | undefined;
  for (const block of blocks) {
    let id: string | null = null;
    let kind = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") id = value;
      else if (field === "event") kind = value;
      else if (field === "data") data.push(value);
      else if (field === "retry" && /^\d+$/.test(value)) retryMs = Number(value);
    }
    if (data.length === 0) continue;
    try {
      events.push({ id, kind, data: JSON.parse(data.join("\n")) as Record<string, unknown> });
    } catch {
      // not JSON: not one of ours
    }
  }
  return { events, rest, retryMs };
}

export interface StreamOptions {
  /** Product ids whose stock to follow (anyone may); the signed-in user's own updates come too. */
  products: string[];
  /** The id of the last event seen, for resuming; updated as events arrive. */
  cursor: { lastId: string | null };
  onEvent(event: LiveEvent): void;
  onConnected(connected: boolean): void;
}

const MAX_DELAY_MS = 30_000;

/**
 * Keep a stream open until the returned function is called: reconnect after a drop (with
 * `Last-Event-ID`, so nothing is missed), trade an expired token for a new one. `fetch`
 * rather than `EventSource`, which cannot send the Authorization header.
 */
export function openLiveStream(options: StreamOptions): () => void {
  const controller = new AbortController();
  let delay = 3_000;

  async function readOnce(): Promise<"again" | "stop"> {
    const tokens = session.get();
    const headers: Record<string, string> = { Accept: "text/event-stream" };
    if (tokens) headers.Authorization = `Bearer ${tokens.access_token}`;
    if (options.cursor.lastId) headers["Last-Event-ID"] = options.cursor.lastId;
    const query = options.products.length ? `?products=${options.products.join(",")}` : "";
    const response = await fetch(`/api/activity/stream${query}`, {
      headers,
      cache: "no-store",
      signal: controller.signal,
    });
    if (response.status === 401 && tokens) return (await refreshSession()) ? "again" : "stop";
    if (!response.ok || !response.body) return "again";
    options.onConnected(true);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return "again";
      const parsed = parseEvents(buffer + value);
      buffer = parsed.rest;
      if (parsed.retryMs) delay = parsed.retryMs;
      for (const event of parsed.events) {
        if (event.id) options.cursor.lastId = event.id;
        options.onEvent(event);
      }
    }
  }

  void (async () => {
    let wait = delay;
    while (!controller.signal.aborted) {
      try {
        if ((await readOnce()) === "stop") return;
        wait = delay;
      } catch {
        // dropped or refused: try again after a while, longer each time
        wait = Math.min(wait * 2, MAX_DELAY_MS);
      }
      if (controller.signal.aborted) return;
      options.onConnected(false);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return () => controller.abort();
}

/** What each kind of event changes in the cached pages. */
export function applyLiveEvent(queryClient: QueryClient, event: LiveEvent): void {
  const data = event.data;
  // The server made any notification of the event before sending it: the inbox has it now.
  if (event.kind !== "stock.level") void queryClient.invalidateQueries({ queryKey: ["notifications"] });
  switch (event.kind) {
    case "order.status":
      void queryClient.invalidateQueries({ queryKey: ["order", data.order_id] });
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
      void queryClient.invalidateQueries({ queryKey: ["seller-orders"] });
      break;
    case "order.new":
      for (const queryKey of [["seller-orders"], ["revenue"], ["top-products"]]) {
        void queryClient.invalidateQueries({ queryKey });
      }
      break;
    case "stock.low":
      for (const queryKey of [["low-stock"], ["stock-levels"]]) {
        void queryClient.invalidateQueries({ queryKey });
      }
      break;
    case "stock.level": {
      const available = Number(data.available);
      queryClient.setQueryData<Product>(["product", data.product_id], (product) =>
        product ? { ...product, stock: available, in_stock: available > 0 } : product,
      );
      break;
    }
  }
}
