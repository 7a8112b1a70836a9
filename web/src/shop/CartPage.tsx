import { Link } from "react-router-dom";
import type { CartLine } from "../api/client";
import { useSession } from "../auth/session";
import { money } from "../ui/format";
import { Empty, ErrorNote, Loading } from "../ui/states";
import { SignInRequired } from "./authForms";
import { groupByShop, MAX_SHOPS, useCart, useChangeCart } from "./cart";
import { useShopNames } from "./shops";

function Line({ line, currency }: { line: CartLine; currency: string }) {
  const { setQuantity, remove } = useChangeCart();
  const busy = setQuantity.isPending || remove.isPending;
  const error = setQuantity.error ?? remove.error;
  return (
    <li className={line.available ? "cart-line" : "cart-line unavailable"}>
      <div className="cart-line-name">
        <Link to={`/products/${line.product_id}`}>{line.name}</Link>
        {line.available ? (
          <span className="muted"> · {money(line.unit_price, currency)} each</span>
        ) : (
          <span className="badge out">No longer available</span>
        )}
      </div>
      <div className="quantity" role="group" aria-label={`Quantity of ${line.name}`}>
        <button
          type="button" className="secondary" disabled={busy || line.quantity <= 1}
          aria-label={`One fewer ${line.name}`}
          onClick={() => setQuantity.mutate({ itemId: line.item_id, quantity: line.quantity - 1 })}
        >
          −
        </button>
        <output aria-live="polite">{line.quantity}</output>
        <button
          type="button" className="secondary" disabled={busy || !line.available}
          aria-label={`One more ${line.name}`}
          onClick={() => setQuantity.mutate({ itemId: line.item_id, quantity: line.quantity + 1 })}
        >
          +
        </button>
      </div>
      <strong className="cart-line-total">{line.available ? money(line.line_total, currency) : "—"}</strong>
      <button
        type="button" className="link-button danger" disabled={busy}
        aria-label={`Remove ${line.name}`} onClick={() => remove.mutate(line.item_id)}
      >
        Remove
      </button>
      {error && <ErrorNote error={error} />}
    </li>
  );
}

export default function CartPage() {
  const { user } = useSession();
  const cart = useCart();
  const groups = groupByShop(cart.data);
  const shopName = useShopNames(groups.map((group) => group.sellerId));

  if (user === null) return <SignInRequired what="your cart" />;
  if (user === undefined || cart.isPending) return <Loading what="Loading your cart" />;
  if (cart.error) return <ErrorNote error={cart.error} retry={cart.refetch} />;
  const { currency } = cart.data;
  if (cart.data.items.length === 0) {
    return (
      <section>
        <h1>Your cart</h1>
        <Empty>
          Your cart is empty. <Link to="/search">Find something you like</Link>.
        </Empty>
      </section>
    );
  }
  const unavailable = cart.data.items.some((line) => !line.available);
  return (
    <section className="cart-page">
      <h1>Your cart</h1>
      <p className="shop-count">
        <strong>
          {groups.length} of {MAX_SHOPS} shops
        </strong>{" "}
        <span className="muted">· a cart can hold items from at most {MAX_SHOPS} shops, sent together in one order.</span>
      </p>
      {groups.map((group) => (
        <section key={group.sellerId} className="card cart-shop" aria-label={shopName(group.sellerId)}>
          <h2>{shopName(group.sellerId)}</h2>
          <ul className="cart-lines">
            {group.lines.map((line) => (
              <Line key={line.item_id} line={line} currency={currency} />
            ))}
          </ul>
          <p className="shop-subtotal">
            {shopName(group.sellerId)} subtotal: {money(group.subtotal, currency)}
          </p>
        </section>
      ))}
      <div className="cart-summary card">
        {unavailable && <p className="muted">Items no longer available are left out of the order.</p>}
        <p className="cart-subtotal">
          Subtotal <strong>{money(cart.data.subtotal, currency)}</strong>
        </p>
        <p className="muted">Shipping is worked out at checkout.</p>
        <Link className="button-link" to="/checkout">
          Checkout
        </Link>
      </div>
    </section>
  );
}
