import { dateTime } from "./format";
import { timeline } from "./timeline";

export { PARCEL_FLOW } from "./timeline";

/** Where an order (or parcel) is in pending → paid → picked up → out for delivery → delivered. */
export function StatusTimeline({
  status,
  history,
  flow,
}: {
  status: string;
  history: { status: string; at: string }[];
  flow?: string[];
}) {
  return (
    <ol className="timeline" aria-label="Progress">
      {timeline(status, history, flow).map((step) => (
        <li key={step.status} className={`step ${step.state}`} aria-current={step.state === "current" ? "step" : undefined}>
          <span className="step-label">{step.label}</span>
          {step.at && <time dateTime={step.at}>{dateTime(step.at)}</time>}
        </li>
      ))}
    </ol>
  );
}
