import { describe, expect, it } from "vitest";
import { isToday } from "../ui/format";
import { nextStep, timeAgo } from "./courier";

describe("a courier's next step", () => {
  it("follows picked up → out for delivery → delivered", () => {
    expect(nextStep("picked_up")).toEqual({ step: "out_for_delivery", label: "Out for delivery" });
    expect(nextStep("out_for_delivery")).toEqual({ step: "delivered", label: "Delivered" });
    expect(nextStep("delivered")).toBeNull();
    expect(nextStep("pending")).toBeNull();
  });
});

describe("times", () => {
  const now = new Date("2026-12-06T12:00:00Z");
  it("says how long ago", () => {
    expect(timeAgo("2026-12-06T11:59:40Z", now)).toBe("just now");
    expect(timeAgo("2026-12-06T11:48:00Z", now)).toBe("12 min ago");
    expect(timeAgo("2026-12-06T09:00:00Z", now)).toBe("3 h ago");
    expect(timeAgo("2026-12-05T11:00:00Z", now)).toBe("1 day ago");
  });

  it("knows today from yesterday", () => {
    expect(isToday(now.toISOString(), now)).toBe(true);
    expect(isToday(new Date(now.getTime() - 86_400_000 * 2).toISOString(), now)).toBe(false);
  });
});
