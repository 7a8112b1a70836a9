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

type Trimmed<K extends string> = { line1: string; city: string; country: string } & Partial<Record<K, string>>;

/** An address as the API takes it: its required parts trimmed, blank optional ones left out. */
export function trimmedAddress<K extends string>(
  address: { line1: string; city: string; country: string } & Partial<Record<K, string | null>>,
  optional: readonly K[],
): Trimmed<K> {
  const trimmed = { line1: address.line1.trim(), city: address.city.trim(), country: address.country.trim() } as Trimmed<K>;
  for (const key of optional) {
    const value = address[key]?.trim();
    if (value) (trimmed as Record<K, string>)[key] = value;
  }
  return trimmed;
}

/** The checkout form's address as the order takes it, with the zone. */
export function addressForCheckout(form: AddressForm, zone: string): CheckoutAddress {
  return { ...trimmedAddress(form, ["name", "line2", "postal_code", "phone"] as const), zone };
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
