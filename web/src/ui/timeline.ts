import { statusWords } from "./format";

export const ORDER_FLOW = ["pending", "paid", "picked_up", "out_for_delivery", "delivered"];
/** A parcel's own steps: it is made once its order is paid. */
export const PARCEL_FLOW = ["pending", "picked_up", "out_for_delivery", "delivered"];

export interface Step {
  status: string;
  label: string;
  at: string | null;
  state: "done" | "current" | "todo" | "ended";
}

/** A flow (an order's by default) as steps, each with the time it was reached; a cancelled or failed
 * order ends after the last step it reached. */
export function timeline(
  status: string,
  history: { status: string; at: string }[],
  flow: string[] = ORDER_FLOW,
): Step[] {
  const reached = new Map<string, string>();
  for (const entry of history) if (!reached.has(entry.status)) reached.set(entry.status, entry.at);
  const ended = status === "cancelled" || status === "failed";
  const position = flow.indexOf(status);
  const steps: Step[] = [];
  for (const [index, step] of flow.entries()) {
    if (ended && !reached.has(step)) break;
    steps.push({
      status: step,
      label: statusWords(step),
      at: reached.get(step) ?? null,
      state: ended || index < position ? "done" : index === position ? "current" : "todo",
    });
  }
  if (ended) steps.push({ status, label: statusWords(status), at: reached.get(status) ?? null, state: "ended" });
  return steps;
}
