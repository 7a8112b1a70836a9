import type { ShipmentStatus } from "../api/client";

export type CourierStep = "out_for_delivery" | "delivered";

/** What the courier does next with a parcel they carry. */
export function nextStep(status: ShipmentStatus): { step: CourierStep; label: string } | null {
  if (status === "picked_up") return { step: "out_for_delivery", label: "Out for delivery" };
  if (status === "out_for_delivery") return { step: "delivered", label: "Delivered" };
  return null;
}

/** "just now", "12 min ago", "3 h ago", "2 days ago". */
export function timeAgo(iso: string, now: Date = new Date()): string {
  const minutes = Math.floor((now.getTime() - new Date(iso).getTime()) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return `${days} ${days === 1 ? "day" : "days"} ago`;
}
