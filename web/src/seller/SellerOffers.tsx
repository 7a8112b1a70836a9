import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, ApiError, type OfferInput, type SavedOffer } from "../api/client";
import { offerState } from "../dashboard/figures";
import { Field } from "../ui/Field";
import { dateTime, money } from "../ui/format";
import { Empty, ErrorNote, Loading } from "../ui/states";
import { useMyProducts } from "./products";

const STATE_PILL = { active: "pill", scheduled: "pill soon", ended: "pill off" } as const;

/** A local "datetime-local" value as the API's ISO time (or nothing when empty). */
function isoOf(local: string): string | undefined {
  return local ? new Date(local).toISOString() : undefined;
}

function offerWords(offer: SavedOffer, currency: string): string {
  return offer.percent_off ? `${Number(offer.percent_off)}% off` : `${money(offer.price, currency)} instead`;
}

function OfferList({ productId, currency }: { productId: string; currency: string }) {
  const offers = useQuery({ queryKey: ["offers", productId], queryFn: () => api.offers(productId) });
  if (offers.isPending) return <Loading what="Loading offers" />;
  if (offers.error) return <ErrorNote error={offers.error} retry={offers.refetch} />;
  const current = offers.data.items.filter((offer) => offerState(offer) !== "ended");
  if (current.length === 0) return <Empty>No offer running or scheduled.</Empty>;
  return (
    <ul className="plain-list" aria-label="Offers running or scheduled">
      {current.map((offer) => {
        const state = offerState(offer);
        return (
          <li key={offer.id}>
            <strong>{offerWords(offer, currency)}</strong>
            <span>
              <span className={STATE_PILL[state]}>{state === "active" ? "Running" : "Scheduled"}</span>{" "}
              from {dateTime(offer.starts_at)}
              {offer.ends_at ? ` until ${dateTime(offer.ends_at)}` : ", no end set"}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

export function SellerOffers() {
  const products = useMyProducts();
  const queryClient = useQueryClient();
  const [productId, setProductId] = useState("");
  const [kind, setKind] = useState<"percent_off" | "price">("percent_off");
  const [amount, setAmount] = useState("");
  const [starts, setStarts] = useState("");
  const [ends, setEnds] = useState("");
  const chosen = products.data?.items.find((p) => p.id === productId) ?? products.data?.items[0];
  const create = useMutation({
    mutationFn: () => {
      const body: OfferInput = { [kind]: amount.trim(), starts_at: isoOf(starts), ends_at: isoOf(ends) };
      return api.createOffer(chosen!.id, body);
    },
    onSuccess: () => {
      setAmount("");
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: ["offers", chosen!.id] }),
        queryClient.invalidateQueries({ queryKey: ["my-products"] }),
      ]);
    },
  });
  if (products.isPending) return <Loading what="Loading your products" />;
  if (products.error) return <ErrorNote error={products.error} retry={products.refetch} />;
  if (!chosen) return <Empty>Add a product before putting one on offer.</Empty>;
  const fields = create.error instanceof ApiError ? create.error.fields : {};
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const onOffer = products.data.items.filter((p) => p.offer);
  return (
    <>
      <h1>Offers</h1>
      <form className="card form" onSubmit={submit} aria-label="New offer">
        <div className="form-grid">
          <label>
            Product
            <select value={chosen.id} onChange={(e) => { setProductId(e.target.value); create.reset(); }}>
              {products.data.items.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name} ({money(p.price, p.currency)})
                </option>
              ))}
            </select>
          </label>
          <label>
            Kind of offer
            <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
              <option value="percent_off">Percent off</option>
              <option value="price">A lower price</option>
            </select>
          </label>
          <Field
            label={kind === "percent_off" ? "Percent off" : "Offer price"} required inputMode="decimal"
            value={amount} onChange={(e) => setAmount(e.target.value)} error={fields[kind]}
          />
          <Field label="Starts" type="datetime-local" value={starts} onChange={(e) => setStarts(e.target.value)} error={fields.starts_at} hint="Empty: now" />
          <Field label="Ends" type="datetime-local" value={ends} onChange={(e) => setEnds(e.target.value)} error={fields.ends_at} hint="Empty: until withdrawn" />
        </div>
        {create.error && <ErrorNote error={create.error} listFields={false} />}
        {create.isSuccess && <p className="success" role="status">Offer created.</p>}
        <div>
          <button type="submit" disabled={create.isPending}>{create.isPending ? "Creating…" : "Create offer"}</button>
        </div>
      </form>
      <section aria-labelledby="this-product">
        <h2 id="this-product">Offers on {chosen.name}</h2>
        <OfferList productId={chosen.id} currency={chosen.currency} />
      </section>
      <section aria-labelledby="running">
        <h2 id="running">Running now</h2>
        {onOffer.length === 0 ? (
          <Empty>None of your products is on offer right now.</Empty>
        ) : (
          <ul className="plain-list">
            {onOffer.map((p) => (
              <li key={p.id}>
                <strong>{p.name}</strong>
                <span>
                  {money(p.effective_price, p.currency)} instead of {money(p.price, p.currency)}
                  {p.offer?.ends_at && ` until ${dateTime(p.offer.ends_at)}`}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
