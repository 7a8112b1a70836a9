import { describe, expect, it } from "vitest";
import type { Cart, CartLine } from "../api/client";
import { groupByShop, shopsIn, wouldExceedShops } from "./cart";

const line = (seller_id: string, line_total: string, available = true): CartLine => ({
  item_id: `${seller_id}-${line_total}`, product_id: "p", name: "n", unit_price: line_total,
  quantity: 1, line_total, seller_id, available,
});
const cart = (...items: CartLine[]): Cart => ({ items, subtotal: "0", currency: "USD" });

describe("a cart's shops", () => {
  it("groups lines under their shop in the order shops were added", () => {
    const groups = groupByShop(cart(line("b", "2.00"), line("a", "5.00"), line("b", "3.50")));
    expect(groups.map((group) => group.sellerId)).toEqual(["b", "a"]);
    expect(groups[0].lines).toHaveLength(2);
    expect(groups[0].subtotal).toBeCloseTo(5.5);
  });

  it("leaves unavailable lines out of a shop's subtotal", () => {
    expect(groupByShop(cart(line("a", "4.00", false), line("a", "1.00")))[0].subtotal).toBe(1);
  });

  it("refuses a fourth shop but not more of the first three", () => {
    const full = cart(line("a", "1"), line("b", "1"), line("c", "1"));
    expect(shopsIn(full)).toEqual(["a", "b", "c"]);
    expect(wouldExceedShops(full, "d")).toBe(true);
    expect(wouldExceedShops(full, "b")).toBe(false);
    expect(wouldExceedShops(cart(line("a", "1")), "d")).toBe(false);
  });
});
