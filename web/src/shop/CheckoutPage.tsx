import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, ApiError, type Cart } from "../api/client";
import { useSession } from "../auth/session";
import { Field } from "../ui/Field";
import { money } from "../ui/format";
import { ErrorNote, Loading } from "../ui/states";
import { SignInRequired } from "./authForms";
import { CART_KEY, useCart } from "./cart";
import { addressErrors, addressForCheckout, addressFromSaved, type AddressForm } from "./checkout";

function useQuote(cart: Cart, method: string, zone: string) {
  const items = cart.items
    .filter((line) => line.available)
    .map((line) => ({ product_id: line.product_id, quantity: line.quantity }));
  return useQuery({
    queryKey: ["quote", items, method, zone],
    queryFn: () => api.quote({ items, method, zone }),
    enabled: items.length > 0 && Boolean(method && zone),
  });
}

function failureMessage(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 402) {
    return `Your card was declined: ${error.message}. Your cart is kept; try another card.`;
  }
  return null;
}

function CheckoutForm({ cart }: { cart: Cart }) {
  const { user } = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const methods = useQuery({ queryKey: ["shipping-methods"], queryFn: api.shippingMethods, staleTime: 60_000 });
  const [address, setAddress] = useState<AddressForm>(() => addressFromSaved(user?.name ?? "", user?.addresses[0]));
  const [method, setMethod] = useState("");
  const [zone, setZone] = useState("");
  const [token, setToken] = useState("tok_visa");
  const chosenMethod = method || methods.data?.default_method || "";
  const chosenZone = zone || methods.data?.default_zone || "";
  const quote = useQuote(cart, chosenMethod, chosenZone);
  // One key per attempt: a retry after a lost answer cannot charge twice.
  const attempt = useRef(crypto.randomUUID());

  const place = useMutation({
    mutationFn: () =>
      api.checkout(
        {
          shipping_address: addressForCheckout(address, chosenZone),
          shipping_method: chosenMethod,
          payment: { token: token.trim() },
        },
        attempt.current,
      ),
    onSuccess: (order) => {
      queryClient.invalidateQueries({ queryKey: CART_KEY });
      queryClient.invalidateQueries({ queryKey: ["orders"] });
      navigate(`/orders/${order.order_id}`, { state: { placed: true } });
    },
    onError: (error) => {
      // The API gave its answer for this attempt; a changed form is a new attempt.
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
        attempt.current = crypto.randomUUID();
        queryClient.invalidateQueries({ queryKey: CART_KEY });
      }
    },
  });
  const fields = place.error instanceof ApiError ? addressErrors(place.error.fields) : {};
  const set = (key: keyof AddressForm) => (event: { target: { value: string } }) =>
    setAddress((current) => ({ ...current, [key]: event.target.value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    place.mutate();
  };
  const shipping = quote.data ? Number(quote.data.cost) : null;
  const declined = failureMessage(place.error);

  return (
    <form className="checkout" onSubmit={submit}>
      <fieldset className="card">
        <legend>Delivery address</legend>
        <div className="form-grid">
          <Field label="Full name" autoComplete="name" value={address.name} onChange={set("name")} error={fields.name} />
          <Field label="Address line 1" required autoComplete="address-line1" value={address.line1} onChange={set("line1")} error={fields.line1} />
          <Field label="Address line 2" autoComplete="address-line2" value={address.line2} onChange={set("line2")} error={fields.line2} />
          <Field label="City" required autoComplete="address-level2" value={address.city} onChange={set("city")} error={fields.city} />
          <Field label="Postal code" autoComplete="postal-code" value={address.postal_code} onChange={set("postal_code")} error={fields.postal_code} />
          <Field label="Country" required autoComplete="country-name" value={address.country} onChange={set("country")} error={fields.country} />
          <Field label="Phone" type="tel" autoComplete="tel" value={address.phone} onChange={set("phone")} error={fields.phone} />
        </div>
      </fieldset>

      <fieldset className="card">
        <legend>Delivery</legend>
        {methods.isPending && <Loading what="Loading delivery options" />}
        {methods.error && <ErrorNote error={methods.error} retry={methods.refetch} />}
        {methods.data && (
          <>
            <label>
              Delivery zone
              <select value={chosenZone} onChange={(e) => setZone(e.target.value)}>
                {methods.data.zones.map((option) => (
                  <option key={option.code} value={option.code}>
                    {option.name}
                  </option>
                ))}
              </select>
            </label>
            <div className="methods" role="radiogroup" aria-label="Delivery method">
              {methods.data.methods.map((option) => (
                <label key={option.code} className="method">
                  <input
                    type="radio" name="method" value={option.code}
                    checked={chosenMethod === option.code} onChange={() => setMethod(option.code)}
                  />
                  <span>
                    <strong>{option.name}</strong>{" "}
                    <span className="muted">
                      {option.min_days}–{option.max_days} days
                    </span>
                  </span>
                  {chosenMethod === option.code && quote.data && (
                    <span className="method-cost">{money(quote.data.cost, quote.data.currency)}</span>
                  )}
                </label>
              ))}
            </div>
            {quote.error && <ErrorNote error={quote.error} />}
          </>
        )}
      </fieldset>

      <fieldset className="card">
        <legend>Payment</legend>
        <Field
          label="Card token" required value={token} onChange={(e) => setToken(e.target.value)}
          hint="Test cards: tok_visa approves, tok_declined is declined."
        />
      </fieldset>

      <aside className="card order-summary" aria-label="Order summary">
        <h2>Order summary</h2>
        <ul>
          {cart.items
            .filter((line) => line.available)
            .map((line) => (
              <li key={line.item_id}>
                <span>
                  {line.quantity} × {line.name}
                </span>
                <span>{money(line.line_total, cart.currency)}</span>
              </li>
            ))}
        </ul>
        <dl>
          <dt>Subtotal</dt>
          <dd>{money(cart.subtotal, cart.currency)}</dd>
          <dt>Shipping</dt>
          <dd>{quote.isFetching ? "…" : shipping === null ? "—" : money(shipping, cart.currency)}</dd>
          <dt>Total</dt>
          <dd className="total">
            {shipping === null ? "—" : money(Number(cart.subtotal) + shipping, cart.currency)}
          </dd>
        </dl>
        <div aria-live="assertive">
          {declined ? (
            <div className="state error" role="alert">
              <p>{declined}</p>
            </div>
          ) : (
            place.error && <ErrorNote error={place.error} listFields={Object.keys(fields).length === 0} />
          )}
        </div>
        <button type="submit" disabled={place.isPending || !methods.data}>
          {place.isPending ? "Placing your order…" : "Place order"}
        </button>
      </aside>
    </form>
  );
}

export default function CheckoutPage() {
  const { user } = useSession();
  const cart = useCart();
  if (user === null) return <SignInRequired what="your checkout" />;
  if (user === undefined || cart.isPending) return <Loading what="Loading your cart" />;
  if (cart.error) return <ErrorNote error={cart.error} retry={cart.refetch} />;
  return (
    <section className="checkout-page">
      <h1>Checkout</h1>
      {cart.data.items.length === 0 ? (
        <p>
          Your cart is empty. <Link to="/search">Find something you like</Link>.
        </p>
      ) : (
        <CheckoutForm cart={cart.data} />
      )}
    </section>
  );
}
