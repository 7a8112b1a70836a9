import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ApiError, type ShipmentStatus, type ShipmentSummary } from "../api/client";
import { dateTime, statusWords } from "../ui/format";
import { Empty, ErrorNote, Loading } from "../ui/states";
import { isToday } from "../ui/format";
import { nextStep, timeAgo } from "./courier";

/** How often the pending pool is asked again while the app is open (others take parcels). */
const POOL_POLL_MS = 5_000;

function useShipments(status: ShipmentStatus, poll?: number) {
  return useQuery({
    queryKey: ["shipments", status],
    queryFn: () => api.shipments({ status, per_page: 100 }),
    refetchInterval: poll,
  });
}

function ParcelHeading({ parcel }: { parcel: ShipmentSummary }) {
  return (
    <h2 className="parcel-number">
      <span className="visually-hidden">Parcel </span>
      {parcel.tracking_number}
    </h2>
  );
}

export function Pending() {
  const queryClient = useQueryClient();
  const pool = useShipments("pending", POOL_POLL_MS);
  const [notice, setNotice] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const pickUp = useMutation({
    mutationFn: (parcel: ShipmentSummary) => api.pickUp(parcel.id),
    onSuccess: (_, parcel) =>
      setNotice({ kind: "success", text: `Parcel ${parcel.tracking_number} is yours: see My deliveries.` }),
    onError: (error, parcel) =>
      setNotice({
        kind: "error",
        text:
          error instanceof ApiError && error.status === 409
            ? `Another courier has already picked up parcel ${parcel.tracking_number}.`
            : error instanceof ApiError
              ? error.message
              : "The pick-up did not go through; please try again.",
      }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["shipments"] }),
  });

  return (
    <section aria-labelledby="pending-heading">
      <h1 id="pending-heading">Pending parcels</h1>
      <div aria-live="assertive">
        {notice && (
          <p className={`notice ${notice.kind}`} role={notice.kind === "error" ? "alert" : "status"}>
            {notice.text}
          </p>
        )}
      </div>
      {pool.isPending && <Loading what="Looking for parcels" />}
      {pool.error && <ErrorNote error={pool.error} retry={pool.refetch} />}
      {pool.data?.items.length === 0 && <Empty>No parcels waiting in your zone.</Empty>}
      <ul className="parcels">
        {pool.data?.items.map((parcel) => (
          <li key={parcel.id} className="courier-card" aria-label={`Parcel ${parcel.tracking_number}`}>
            <ParcelHeading parcel={parcel} />
            <p className="muted">
              Zone {parcel.zone} · {parcel.method} · ready {timeAgo(parcel.created_at)}
            </p>
            <button
              type="button" className="big" disabled={pickUp.isPending}
              onClick={() => {
                setNotice(null);
                pickUp.mutate(parcel);
              }}
            >
              Pick up
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function DeliveryAddress({ shipmentId }: { shipmentId: string }) {
  const shipment = useQuery({ queryKey: ["shipment", shipmentId], queryFn: () => api.shipment(shipmentId) });
  if (shipment.isPending) return <Loading what="Loading the address" />;
  if (shipment.error) return <ErrorNote error={shipment.error} retry={shipment.refetch} />;
  const address = shipment.data.address;
  if (!address) return <p className="muted">No address on this parcel.</p>;
  return (
    <address>
      {[address.name, address.line1, address.line2, address.city, address.postal_code, address.country]
        .filter(Boolean)
        .join(", ")}
      {address.phone && (
        <>
          <br />
          <a href={`tel:${address.phone}`}>{address.phone}</a>
        </>
      )}
    </address>
  );
}

function Delivery({ parcel }: { parcel: ShipmentSummary }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const next = nextStep(parcel.status);
  const advance = useMutation({
    mutationFn: () => (next?.step === "delivered" ? api.deliver(parcel.id) : api.outForDelivery(parcel.id)),
    onSettled: () => {
      setConfirming(false);
      queryClient.invalidateQueries({ queryKey: ["shipments"] });
    },
  });
  return (
    <li className="courier-card" aria-label={`Parcel ${parcel.tracking_number}`}>
      <ParcelHeading parcel={parcel} />
      <p>
        <span className="status-pill">{statusWords(parcel.status)}</span>{" "}
        <span className="muted">since {timeAgo(parcel.updated_at)}</span>
      </p>
      <DeliveryAddress shipmentId={parcel.id} />
      {next && !confirming && (
        <button
          type="button" className="big" disabled={advance.isPending}
          onClick={() => (next.step === "delivered" ? setConfirming(true) : advance.mutate())}
        >
          {next.label}
        </button>
      )}
      {confirming && (
        <div className="confirm" role="group" aria-label="Confirm the delivery">
          <p>Handed parcel {parcel.tracking_number} to the customer?</p>
          <button type="button" className="big" disabled={advance.isPending} onClick={() => advance.mutate()}>
            Yes, delivered
          </button>
          <button type="button" className="secondary big" onClick={() => setConfirming(false)}>
            Not yet
          </button>
        </div>
      )}
      {advance.error && <ErrorNote error={advance.error} />}
    </li>
  );
}

export function Deliveries() {
  const pickedUp = useShipments("picked_up");
  const onTheWay = useShipments("out_for_delivery");
  // While the two lists refresh one after the other, a parcel just sent out is in both.
  const parcels = [
    ...new Map(
      [...(pickedUp.data?.items ?? []), ...(onTheWay.data?.items ?? [])]
        .sort((a, b) => a.updated_at.localeCompare(b.updated_at))
        .map((parcel) => [parcel.id, parcel]),
    ).values(),
  ];
  const error = pickedUp.error ?? onTheWay.error;
  return (
    <section aria-labelledby="deliveries-heading">
      <h1 id="deliveries-heading">My deliveries</h1>
      {(pickedUp.isPending || onTheWay.isPending) && <Loading what="Loading your parcels" />}
      {error && <ErrorNote error={error} />}
      {pickedUp.data && onTheWay.data && parcels.length === 0 && (
        <Empty>You carry no parcels. Pick one up from Pending.</Empty>
      )}
      <ul className="parcels">
        {parcels.map((parcel) => (
          <Delivery key={parcel.id} parcel={parcel} />
        ))}
      </ul>
    </section>
  );
}

export function Today() {
  const delivered = useShipments("delivered");
  const today = delivered.data?.items.filter((parcel) => isToday(parcel.updated_at)) ?? [];
  return (
    <section aria-labelledby="today-heading">
      <h1 id="today-heading">Today</h1>
      {delivered.isPending && <Loading what="Loading today's deliveries" />}
      {delivered.error && <ErrorNote error={delivered.error} retry={delivered.refetch} />}
      {delivered.data && (
        <p className="today-count">
          {today.length} {today.length === 1 ? "parcel" : "parcels"} delivered today
        </p>
      )}
      <ul className="parcels">
        {today.map((parcel) => (
          <li key={parcel.id} className="courier-card compact" aria-label={`Parcel ${parcel.tracking_number}`}>
            <ParcelHeading parcel={parcel} />
            <p className="muted">Delivered {dateTime(parcel.updated_at)}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
