import { describe, expect, it } from "vitest";
import { PARCEL_FLOW, timeline } from "./timeline";

const at = (status: string, minute: number) => ({ status, at: `2026-12-06T10:${String(minute).padStart(2, "0")}:00Z` });

describe("an order's timeline", () => {
  it("marks the steps done, the current one and the ones to come", () => {
    const steps = timeline("picked_up", [at("pending", 0), at("paid", 1), at("picked_up", 5)]);
    expect(steps.map((step) => [step.status, step.state])).toEqual([
      ["pending", "done"], ["paid", "done"], ["picked_up", "current"],
      ["out_for_delivery", "todo"], ["delivered", "todo"],
    ]);
    expect(steps[2].at).toBe("2026-12-06T10:05:00Z");
    expect(steps[3].at).toBeNull();
  });

  it("ends a cancelled order after the last step it reached", () => {
    const steps = timeline("cancelled", [at("pending", 0), at("paid", 1), at("cancelled", 9)]);
    expect(steps.map((step) => [step.label, step.state])).toEqual([
      ["Pending", "done"], ["Paid", "done"], ["Cancelled", "ended"],
    ]);
  });

  it("shows a declined payment as failed", () => {
    expect(timeline("failed", [at("pending", 0), at("failed", 0)]).at(-1)).toMatchObject({ label: "Payment failed", state: "ended" });
  });
});

describe("a parcel's timeline", () => {
  it("has no payment step", () => {
    const steps = timeline("delivered", [at("pending", 0), at("picked_up", 3), at("out_for_delivery", 4), at("delivered", 9)], PARCEL_FLOW);
    expect(steps.map((step) => step.state)).toEqual(["done", "done", "done", "current"]);
  });
});
