import { errorFrom, everyPage, queryString } from "./client";

test("an API error is read in words from its JSON body", async () => {
  const response = new Response(
    JSON.stringify({ error: "Payment declined", code: "payment_declined", details: {} }),
    { status: 402 },
  );
  const error = await errorFrom(response);
  expect(error.message).toBe("Payment declined");
  expect(error.code).toBe("payment_declined");
  expect(error.status).toBe(402);
});

test("a body that is not JSON still gives a readable message", async () => {
  const error = await errorFrom(new Response("<html>", { status: 502 }));
  expect(error.message).toBe("The shop answered 502; please try again");
});

test("empty filters are left out of the query string", () => {
  expect(queryString({ q: "lamp", category: "", in_stock: true, page: undefined })).toBe(
    "?q=lamp&in_stock=true",
  );
});

test("every page of a list is fetched, 100 at a time, until the total is reached", async () => {
  const asked: number[] = [];
  const all = Array.from({ length: 230 }, (_, n) => n);
  const found = await everyPage(async (page, perPage) => {
    asked.push(page);
    return { items: all.slice((page - 1) * perPage, page * perPage), page, per_page: perPage, total: all.length };
  });
  expect(asked).toEqual([1, 2, 3]);
  expect(found.items).toEqual(all);
  expect(found.total).toBe(230);
});
