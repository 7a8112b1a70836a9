import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useLocation, useParams } from "react-router-dom";
import { api, type Order } from "../api/client";
import { useLiveConnected } from "../api/LiveUpdates";
import { useSession } from "../auth/session";
import { money, statusWords } from "../ui/format";
import { StatusTimeline } from "../ui/StatusTimeline";
import { ErrorNote, Loading } from "../ui/states";
import { SignInRequired } from "./authForms";

const FINAL = new Set(["delivered", "cancelled", "failed"]);
const CANCELLABLE = new Set(["pending", "paid"]);
/** How often an open order page asks for news while the order is still moving and the live
 * stream is down (while it is up, its updates refresh the page). */
export const ORDER_POLL_MS = 3_000;

function addressLines(address: Order["shipping_address"]): string {
  if (!address) return "—";
  if (typeof address === "string") return address;
  return [address.name, address.line1, address.line2, address.city, address.postal_code, address.country]
    .filter(Boolean)
    .join(", ");
}

function CancelOrder({ order }: { order: Order }) {
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState(false);
  const cancel = useMutation({
    mutationFn: () => api.cancelOrder(order.order_id),
    onSettled: () => {
      setAsking(false);
      queryClient.invalidateQueries({ queryKey: ["order", order.order_id] });
      queryClient.invalidateQueries({ queryKey: ["orders"] });
    },
  });
  if (cancel.isSuccess) return <p className="success">{cancel.data.message}</p>;
  return (
    <div className="cancel-order">
      {asking ? (
        <div role="group" aria-label="Cancel this order?">
          <p>Cancel this order? The stock goes back to the shops and your payment is refunded.</p>
          <button type="button" className="danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
            Yes, cancel the order
          </button>{" "}
          <button type="button" className="secondary" onClick={() => setAsking(false)}>
            Keep it
          </button>
        </div>
      ) : (
        CANCELLABLE.has(order.status) && (
          <button type="button" className="secondary" onClick={() => setAsking(true)}>
            Cancel order
          </button>
        )
      )}
      {cancel.error && <ErrorNote error={cancel.error} />}
    </div>
  );
}

export default function OrderPage() {
  const { orderId = "" } = useParams();
  const { user } = useSession();
  const placed = (useLocation().state as { placed?: boolean } | null)?.placed;
  const live = useLiveConnected();
  const order = useQuery({
    queryKey: ["order", orderId],
    queryFn: () => api.order(orderId),
    enabled: Boolean(user),
    refetchInterval: (query) =>
      live || (query.state.data && FINAL.has(query.state.data.status)) ? false : ORDER_POLL_MS,
  });

  if (user === null) return <SignInRequired what="your order" />;
  if (user === undefined || order.isPending) return <Loading what="Loading the order" />;
  if (order.error) {
    return (
      <section>
        <h1>Order</h1>
        <ErrorNote error={order.error} retry={order.refetch} />
      </section>
    );
  }
  const item = order.data;
  const tracking = item.shipment?.tracking_number;
  return (
    <section className="order-page">
      <h1>Order {item.order_id.slice(0, 8)}</h1>
      {placed && item.status === "paid" && (
        <p className="success" role="status">
          Thank you — your order is paid.
        </p>
      )}
      <p className="order-status-line">
        Status:{" "}
        <span role="status" aria-label="Order status" className={`status-badge ${item.status}`}>
          {statusWords(item.status)}
        </span>
      </p>
      {item.failure_reason && <p className="state error">{item.failure_reason}</p>}
      <StatusTimeline status={item.status} history={item.history} />
      <div className="order-grid">
        <section className="card" aria-labelledby="items-heading">
          <h2 id="items-heading">Items</h2>
          <ul className="order-lines">
            {item.items.map((line) => (
              <li key={`${line.product_id}-${line.seller_id}`}>
                <span>
                  {line.quantity} × <Link to={`/products/${line.product_id}`}>{line.name}</Link>
                </span>
                <span>{money(line.line_total, item.currency)}</span>
              </li>
            ))}
          </ul>
          <dl>
            <dt>Subtotal</dt>
            <dd>{money(item.subtotal, item.currency)}</dd>
            {Number(item.discount) > 0 && (
              <>
                <dt>Discount</dt>
                <dd>−{money(item.discount, item.currency)}</dd>
              </>
            )}
            <dt>Shipping</dt>
            <dd>{money(item.shipping_cost, item.currency)}</dd>
            <dt>Total</dt>
            <dd className="total">{money(item.total, item.currency)}</dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="delivery-heading">
          <h2 id="delivery-heading">Delivery</h2>
          <p>{addressLines(item.shipping_address)}</p>
          <p className="muted">
            {item.shipping_method}
            {item.estimated_days !== null && ` · about ${item.estimated_days} days`}
          </p>
          {tracking && (
            <p>
              Tracking number: <Link to={`/track/${tracking}`}>{tracking}</Link>
            </p>
          )}
          {item.payment && (
            <p className="muted">
              Payment {item.payment.status}: {money(item.payment.amount, item.payment.currency)}
              {Number(item.payment.refunded_amount) > 0 &&
                ` · refunded ${money(item.payment.refunded_amount, item.payment.currency)}`}
            </p>
          )}
          <CancelOrder order={item} />
        </section>
      </div>
      <p>
        <Link to="/orders">All your orders</Link>
      </p>
    </section>
  );
}
