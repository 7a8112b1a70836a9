import { describe, expect, it } from "vitest";
import { addressErrors, addressForCheckout, addressFromSaved, trimmedAddress } from "./checkout";

describe("the checkout address", () => {
  it("starts from the first saved address", () => {
    const form = addressFromSaved("Ana", { line1: "1 Main St", city: "Porto", country: "PT" });
    expect(form).toMatchObject({ name: "Ana", line1: "1 Main St", line2: "", city: "Porto", country: "PT" });
  });

  it("leaves blank parts out and adds the zone", () => {
    const form = { ...addressFromSaved(" Ana ", undefined), line1: " 1 Main St ", city: "Porto", country: "PT" };
    expect(addressForCheckout(form, "central")).toEqual({
      name: "Ana", line1: "1 Main St", city: "Porto", country: "PT", zone: "central",
    });
  });

  it("puts the API's messages by the form's fields", () => {
    expect(
      addressErrors({
        "shipping_address.Address.phone": "Not in the expected format",
        "shipping_address.city": "Field required",
        "shipping_address.constrained-str": "Input should be a valid string",
        payment: "other",
      }),
    ).toEqual({ phone: "Not in the expected format", city: "Field required" });
  });
});

describe("trimmedAddress", () => {
  it("trims what is required and leaves out blank optional parts", () => {
    const saved = { line1: " 1 Quay St ", city: "Porto ", country: " PT", label: "  ", phone: null, line2: " Flat 2" };
    expect(trimmedAddress(saved, ["label", "line2", "phone"] as const)).toEqual({
      line1: "1 Quay St",
      city: "Porto",
      country: "PT",
      line2: "Flat 2",
    });
  });
});
