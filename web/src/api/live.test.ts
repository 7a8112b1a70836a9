import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { applyLiveEvent, parseEvents } from "./live";

describe("parseEvents", () => {
  it("reads complete events and keeps the one still arriving", () => {
    const text =
      "retry: 3000\n\n" +
      'id: 7\nevent: ready\ndata: {}\n\n' +
      ": heartbeat\n\n" +
      'id: 9\nevent: order.status\ndata: {"order_id":"a","status":"paid"}\n\n' +
      "id: 10\nevent: stock.le";
    const parsed = parseEvents(text);
    expect(parsed.retryMs).toBe(3000);
    expect(parsed.events).toEqual([
      { id: "7", kind: "ready", data: {} },
      { id: "9", kind: "order.status", data: { order_id: "a", status: "paid" } },
    ]);
    expect(parsed.rest).toBe("id: 10\nevent: stock.le");
    const next = parseEvents(parsed.rest + 'vel\ndata: {"available":2}\r\n\r\n');
    expect(next.events).toEqual([{ id: "10", kind: "stock.level", data: { available: 2 } }]);
    expect(next.rest).toBe("");
  });

  it("skips events whose data is not JSON", () => {
    expect(parseEvents("event: x\ndata: not json\n\n").events).toEqual([]);
  });
});

describe("applyLiveEvent", () => {
  it("puts a new stock level on the product's cached page", () => {
    const client = new QueryClient();
    client.setQueryData(["product", "p1"], { id: "p1", stock: 5, in_stock: true });
    applyLiveEvent(client, { id: "3", kind: "stock.level", data: { product_id: "p1", available: 0 } });
    expect(client.getQueryData(["product", "p1"])).toEqual({ id: "p1", stock: 0, in_stock: false });
  });

  it("marks the order's page stale when its status changes", () => {
    const client = new QueryClient();
    client.setQueryData(["order", "o1"], { order_id: "o1", status: "paid" });
    applyLiveEvent(client, { id: "4", kind: "order.status", data: { order_id: "o1", status: "picked_up" } });
    expect(client.getQueryState(["order", "o1"])?.isInvalidated).toBe(true);
    expect(client.getQueryState(["order", "o2"])).toBeUndefined();
  });

  it("marks the inbox stale for the events that make notifications, not for stock levels", () => {
    const client = new QueryClient();
    client.setQueryData(["notifications", 1], { items: [], unread: 0 });
    applyLiveEvent(client, { id: "5", kind: "stock.level", data: { product_id: "p1", available: 3 } });
    expect(client.getQueryState(["notifications", 1])?.isInvalidated).toBe(false);
    applyLiveEvent(client, { id: "6", kind: "order.new", data: { order_id: "o1", lines: [] } });
    expect(client.getQueryState(["notifications", 1])?.isInvalidated).toBe(true);
  });
});
