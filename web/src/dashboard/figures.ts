// The dashboards' arithmetic, kept apart from the pages so that it is tested on its own.
import type { OrderSummary, RevenuePeriod, SavedOffer, ShipmentSummary } from "../api/client";
import { ORDER_FLOW } from "../ui/timeline";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export interface ComparedPeriod {
  label: string;
  current: number;
  previous: number;
}

/** Revenue of each month of `year` beside the same month of the year before (periods "YYYY-MM"). */
export function monthsCompared(periods: RevenuePeriod[], year: number): ComparedPeriod[] {
  const byPeriod = new Map(periods.map((p) => [p.period, Number(p.revenue)]));
  return MONTHS.map((label, index) => {
    const month = String(index + 1).padStart(2, "0");
    return {
      label,
      current: byPeriod.get(`${year}-${month}`) ?? 0,
      previous: byPeriod.get(`${year - 1}-${month}`) ?? 0,
    };
  });
}

/** Revenue of each year that had any, beside the year before it (periods "YYYY"). */
export function yearsCompared(periods: RevenuePeriod[]): ComparedPeriod[] {
  const byYear = new Map(periods.map((p) => [Number(p.period), Number(p.revenue)]));
  return [...byYear.keys()]
    .sort((a, b) => a - b)
    .map((year) => ({ label: String(year), current: byYear.get(year)!, previous: byYear.get(year - 1) ?? 0 }));
}

/** The change from `previous` to `current` in words: "+25%", "−10%", "new" or "—". */
export function change(current: number, previous: number): string {
  if (previous === 0) return current === 0 ? "—" : "new";
  const percent = Math.round(((current - previous) / previous) * 100);
  return percent >= 0 ? `+${percent}%` : `−${Math.abs(percent)}%`;
}

/** "YYYY-MM-DD" of a local day, as the API's `from` and `to` take it. */
export function day(moment: Date): string {
  const month = String(moment.getMonth() + 1).padStart(2, "0");
  return `${moment.getFullYear()}-${month}-${String(moment.getDate()).padStart(2, "0")}`;
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Orders as CSV (one row per order, its lines in one cell), as a spreadsheet opens it. */
export function ordersCsv(orders: OrderSummary[]): string {
  const header = ["order_id", "created_at", "status", "items", "quantity", "total", "currency"];
  const rows = orders.map((order) => [
    order.order_id,
    order.created_at,
    order.status,
    order.items.map((line) => `${line.quantity} × ${line.name}`).join("; "),
    order.items.reduce((sum, line) => sum + line.quantity, 0),
    order.total,
    order.currency,
  ]);
  return [header, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

export type OfferState = "active" | "scheduled" | "ended";

export function offerState(offer: SavedOffer, now: Date = new Date()): OfferState {
  if (new Date(offer.starts_at) > now) return "scheduled";
  if (offer.ends_at && new Date(offer.ends_at) <= now) return "ended";
  return "active";
}

/** The one status staff may move a paid-or-later order to by hand, if any (cancelling aside). */
export function nextOrderStatus(status: string): string | null {
  const index = ORDER_FLOW.indexOf(status);
  return index >= 1 && index < ORDER_FLOW.length - 1 ? ORDER_FLOW[index + 1] : null;
}

export function cancellable(status: string): boolean {
  return status === "pending" || status === "paid";
}

/** Parcels on the road by the courier carrying them. */
export function carriedBy(parcels: ShipmentSummary[]): Map<string, ShipmentSummary[]> {
  const carried = new Map<string, ShipmentSummary[]>();
  for (const parcel of parcels) {
    if (!parcel.courier_id) continue;
    carried.set(parcel.courier_id, [...(carried.get(parcel.courier_id) ?? []), parcel]);
  }
  return carried;
}
