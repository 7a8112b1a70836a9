import type { CheckoutAddress, SavedAddress } from "../api/client";

export type AddressForm = Required<Omit<CheckoutAddress, "zone">>;

export const NO_ADDRESS: AddressForm = { name: "", line1: "", line2: "", city: "", postal_code: "", country: "", phone: "" };

/** The shopper's first saved address as the checkout form's starting point. */
export function addressFromSaved(name: string, saved: SavedAddress | undefined): AddressForm {
  if (!saved) return { ...NO_ADDRESS, name };
  return {
    name,
    line1: saved.line1,
    line2: saved.line2 ?? "",
    city: saved.city,
    postal_code: saved.postal_code ?? "",
    country: saved.country,
    phone: saved.phone ?? "",
  };
}

/** The address as the API takes it: blank optional parts left out, the zone added. */
export function addressForCheckout(form: AddressForm, zone: string): CheckoutAddress {
  const address: CheckoutAddress = { line1: form.line1.trim(), city: form.city.trim(), country: form.country.trim(), zone };
  for (const key of ["name", "line2", "postal_code", "phone"] as const) {
    const value = form[key].trim();
    if (value) address[key] = value;
  }
  return address;
}

/** A 400's field messages keyed by the address form's own field names. */
export function addressErrors(fields: Record<string, string>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [name, message] of Object.entries(fields)) {
    // The address may also be given as one line, so pydantic names the form's branch too.
    const field = /^shipping_address\.(?:Address\.)?(\w+)$/.exec(name)?.[1];
    if (field) errors[field] = message;
  }
  return errors;
}
