import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { statusWords } from "../ui/format";
import { PARCEL_FLOW, StatusTimeline } from "../ui/StatusTimeline";
import { ErrorNote, Loading } from "../ui/states";

function Parcel({ trackingNumber }: { trackingNumber: string }) {
  const parcel = useQuery({ queryKey: ["track", trackingNumber], queryFn: () => api.track(trackingNumber) });
  if (parcel.isPending) return <Loading what="Looking for the parcel" />;
  if (parcel.error) {
    if (parcel.error instanceof ApiError && parcel.error.status === 404) {
      return (
        <p className="state error" role="alert">
          No parcel with this tracking number. Check the number in your order.
        </p>
      );
    }
    return <ErrorNote error={parcel.error} retry={parcel.refetch} />;
  }
  return (
    <section className="card" aria-labelledby="parcel-heading">
      <h2 id="parcel-heading">Parcel {parcel.data.tracking_number}</h2>
      <p>
        Status: <strong>{statusWords(parcel.data.status)}</strong>
      </p>
      <StatusTimeline status={parcel.data.status} history={parcel.data.events} flow={PARCEL_FLOW} />
    </section>
  );
}

export default function TrackPage() {
  const { trackingNumber } = useParams();
  const navigate = useNavigate();
  const [text, setText] = useState(trackingNumber ?? "");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim()) navigate(`/track/${encodeURIComponent(text.trim())}`);
  };
  return (
    <section className="track-page">
      <h1>Track a parcel</h1>
      <form className="track-form" onSubmit={submit}>
        <label>
          Tracking number
          <input value={text} onChange={(e) => setText(e.target.value)} required autoComplete="off" />
        </label>
        <button type="submit">Track</button>
      </form>
      {trackingNumber && <Parcel key={trackingNumber} trackingNumber={trackingNumber} />}
    </section>
  );
}
