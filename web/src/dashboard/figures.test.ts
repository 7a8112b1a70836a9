import { describe, expect, it } from "vitest";
import type { OrderSummary, ShipmentSummary } from "../api/client";
import {
  cancellable,
  carriedBy,
  change,
  monthsCompared,
  nextOrderStatus,
  offerState,
  ordersCsv,
  yearsCompared,
} from "./figures";

describe("revenue compared with the period before", () => {
  const periods = [
    { period: "2025-03", revenue: "40.00", orders: 2 },
    { period: "2026-03", revenue: "50.00", orders: 3 },
    { period: "2026-12", revenue: "12.50", orders: 1 },
  ];

  it("puts each month beside the same month a year earlier", () => {
    const months = monthsCompared(periods, 2026);
    expect(months).toHaveLength(12);
    expect(months[2]).toEqual({ label: "Mar", current: 50, previous: 40 });
    expect(months[11]).toEqual({ label: "Dec", current: 12.5, previous: 0 });
    expect(months[0]).toEqual({ label: "Jan", current: 0, previous: 0 });
  });

  it("puts each year beside the one before", () => {
    const years = [
      { period: "2026", revenue: "90", orders: 4 },
      { period: "2024", revenue: "10", orders: 1 },
      { period: "2025", revenue: "60", orders: 2 },
    ];
    expect(yearsCompared(years)).toEqual([
      { label: "2024", current: 10, previous: 0 },
      { label: "2025", current: 60, previous: 10 },
      { label: "2026", current: 90, previous: 60 },
    ]);
  });

  it("says the change in words", () => {
    expect(change(50, 40)).toBe("+25%");
    expect(change(30, 40)).toBe("−25%");
    expect(change(5, 0)).toBe("new");
    expect(change(0, 0)).toBe("—");
  });
});

describe("the orders export", () => {
  it("writes one row per order and quotes what needs quoting", () => {
    const order = {
      order_id: "o1",
      created_at: "2026-12-06T10:00:00Z",
      status: "paid",
      items: [
        { name: 'Lamp, "brass"', quantity: 2 },
        { name: "Rug", quantity: 1 },
      ],
      total: "30.00",
      currency: "USD",
    } as unknown as OrderSummary;
    const lines = ordersCsv([order]).split("\r\n");
    expect(lines[0]).toBe("order_id,created_at,status,items,quantity,total,currency");
    expect(lines[1]).toBe('o1,2026-12-06T10:00:00Z,paid,"2 × Lamp, ""brass""; 1 × Rug",3,30.00,USD');
    expect(lines[2]).toBe("");
  });
});

describe("offers, order moves and couriers", () => {
  const now = new Date("2026-12-06T12:00:00Z");
  it("tells active, scheduled and ended offers apart", () => {
    const offer = (starts_at: string, ends_at: string | null) => ({ id: "x", percent_off: "10", price: null, starts_at, ends_at });
    expect(offerState(offer("2026-12-01T00:00:00Z", null), now)).toBe("active");
    expect(offerState(offer("2026-12-07T00:00:00Z", null), now)).toBe("scheduled");
    expect(offerState(offer("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"), now)).toBe("ended");
  });

  it("moves an order one step along its flow only", () => {
    expect(nextOrderStatus("paid")).toBe("picked_up");
    expect(nextOrderStatus("out_for_delivery")).toBe("delivered");
    expect(nextOrderStatus("pending")).toBeNull();
    expect(nextOrderStatus("delivered")).toBeNull();
    expect(nextOrderStatus("cancelled")).toBeNull();
    expect(cancellable("paid")).toBe(true);
    expect(cancellable("picked_up")).toBe(false);
  });

  it("groups the parcels on the road by courier", () => {
    const parcel = (id: string, courier_id: string | null) => ({ id, courier_id }) as ShipmentSummary;
    const carried = carriedBy([parcel("a", "c1"), parcel("b", null), parcel("c", "c1"), parcel("d", "c2")]);
    expect([...carried.keys()]).toEqual(["c1", "c2"]);
    expect(carried.get("c1")!.map((p) => p.id)).toEqual(["a", "c"]);
  });
});
