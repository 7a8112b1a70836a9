import { describe, expect, it } from "vitest";
import { isOnOffer, pageCount, paramsFromQuery, percentOff, queryFromParams } from "./browse";

describe("the search page's URL", () => {
  it("round-trips every filter", () => {
    const query = { q: "lamp", category: "Home", seller_id: undefined, min_price: "5", max_price: "50", in_stock: true, on_offer: true, sort: "-price" as const, page: 3 };
    expect(queryFromParams(paramsFromQuery(query))).toEqual(query);
  });

  it("drops what the API would refuse or ignore", () => {
    const query = queryFromParams(new URLSearchParams("q=%20%20&sort=cheapest&page=0&in_stock=yes"));
    expect(query).toEqual({
      q: undefined, category: undefined, seller_id: undefined, min_price: undefined, max_price: undefined,
      in_stock: undefined, on_offer: undefined, sort: undefined, page: undefined,
    });
  });

  it("leaves defaults out of the link", () => {
    expect(paramsFromQuery({ q: "tea", in_stock: undefined, page: undefined }).toString()).toBe("q=tea");
  });
});

describe("prices", () => {
  it("knows an offer and its percentage", () => {
    expect(isOnOffer({ price: "20.00", effective_price: "15.00" })).toBe(true);
    expect(isOnOffer({ price: "20.00", effective_price: "20.00" })).toBe(false);
    expect(percentOff({ price: "20.00", effective_price: "15.00" })).toBe(25);
  });

  it("counts at least one page", () => {
    expect(pageCount(0, 12)).toBe(1);
    expect(pageCount(25, 12)).toBe(3);
  });
});
