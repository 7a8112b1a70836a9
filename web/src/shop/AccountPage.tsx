import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { api, ApiError, type SavedAddress, type User } from "../api/client";
import { useSession } from "../auth/session";
import { Field } from "../ui/Field";
import { ErrorNote, Loading } from "../ui/states";
import { SignInRequired } from "./authForms";
import { trimmedAddress } from "./checkout";

export const MAX_ADDRESSES = 10;

function useUpdateMe() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: api.updateMe,
    onSuccess: (user) => queryClient.setQueryData(["me", user.user_id], user),
  });
}

function Profile({ user }: { user: User }) {
  const update = useUpdateMe();
  const [name, setName] = useState(user.name);
  const [phone, setPhone] = useState(user.phone ?? "");
  const fields = update.error instanceof ApiError ? update.error.fields : {};
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ name, phone: phone.trim() || null });
  };
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      <p className="muted">{user.email}</p>
      <Field label="Name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} error={fields.name} />
      <Field label="Phone" type="tel" autoComplete="tel" value={phone} onChange={(e) => setPhone(e.target.value)} error={fields.phone} />
      <button type="submit" disabled={update.isPending}>
        Save profile
      </button>
      <div aria-live="polite">
        {update.isSuccess && <p className="success">Profile saved.</p>}
        {update.error && <ErrorNote error={update.error} />}
      </div>
    </form>
  );
}

const NO_ADDRESS: SavedAddress = { label: "", line1: "", line2: "", city: "", postal_code: "", country: "", phone: "" };

/** An address as the API takes it: blank optional parts left out. */
function AddressForm({ onAdd, busy }: { onAdd(address: SavedAddress): void; busy: boolean }) {
  const [address, setAddress] = useState(NO_ADDRESS);
  const set = (key: keyof SavedAddress) => (event: { target: { value: string } }) =>
    setAddress((current) => ({ ...current, [key]: event.target.value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onAdd(trimmedAddress(address, ["label", "line2", "postal_code", "phone"] as const));
    setAddress(NO_ADDRESS);
  };
  return (
    <form className="address-form" onSubmit={submit} aria-labelledby="new-address-heading">
      <h3 id="new-address-heading">Add an address</h3>
      <div className="form-grid">
        <Field label="Label" placeholder="Home, Work…" value={address.label ?? ""} onChange={set("label")} />
        <Field label="Address line 1" required autoComplete="address-line1" value={address.line1} onChange={set("line1")} />
        <Field label="Address line 2" autoComplete="address-line2" value={address.line2 ?? ""} onChange={set("line2")} />
        <Field label="City" required autoComplete="address-level2" value={address.city} onChange={set("city")} />
        <Field label="Postal code" autoComplete="postal-code" value={address.postal_code ?? ""} onChange={set("postal_code")} />
        <Field label="Country" required autoComplete="country-name" value={address.country} onChange={set("country")} />
        <Field label="Phone for the courier" type="tel" value={address.phone ?? ""} onChange={set("phone")} />
      </div>
      <button type="submit" disabled={busy}>
        Add address
      </button>
    </form>
  );
}

function Addresses({ user }: { user: User }) {
  const update = useUpdateMe();
  const save = (addresses: SavedAddress[]) => update.mutate({ addresses });
  return (
    <section className="card" aria-labelledby="addresses-heading">
      <h2 id="addresses-heading">Addresses</h2>
      {user.addresses.length === 0 && <p className="muted">No saved addresses yet; checkout fills in the first one.</p>}
      <ul className="address-list">
        {user.addresses.map((address, index) => (
          <li key={`${index}-${address.line1}`}>
            <address>
              {address.label && <strong>{address.label}: </strong>}
              {[address.line1, address.line2, address.city, address.postal_code, address.country].filter(Boolean).join(", ")}
            </address>
            <button
              type="button" className="secondary" disabled={update.isPending}
              aria-label={`Remove the address ${address.label || address.line1}`}
              onClick={() => save(user.addresses.filter((_, other) => other !== index))}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      {user.addresses.length < MAX_ADDRESSES ? (
        <AddressForm busy={update.isPending} onAdd={(address) => save([...user.addresses, address])} />
      ) : (
        <p className="muted">You have saved {MAX_ADDRESSES} addresses, the most an account keeps.</p>
      )}
      <div aria-live="polite">{update.error && <ErrorNote error={update.error} />}</div>
    </section>
  );
}

function ChangePassword() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const change = useMutation({
    mutationFn: () => api.changePassword({ current_password: current, new_password: next }),
    onSuccess: () => {
      setCurrent("");
      setNext("");
    },
  });
  const fields = change.error instanceof ApiError ? change.error.fields : {};
  const submit = (event: FormEvent) => {
    event.preventDefault();
    change.mutate();
  };
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="password-heading">
      <h2 id="password-heading">Change password</h2>
      <Field
        label="Current password" type="password" autoComplete="current-password" required
        value={current} onChange={(e) => setCurrent(e.target.value)} error={fields.current_password}
      />
      <Field
        label="New password" type="password" autoComplete="new-password" required hint="At least 8 characters"
        value={next} onChange={(e) => setNext(e.target.value)} error={fields.new_password}
      />
      <button type="submit" disabled={change.isPending}>
        Change password
      </button>
      <div aria-live="polite">
        {change.isSuccess && (
          <p className="success">Password changed. Your other devices have been signed out.</p>
        )}
        {change.error && <ErrorNote error={change.error} />}
      </div>
    </form>
  );
}

export default function AccountPage() {
  const { user, signOut } = useSession();
  const navigate = useNavigate();
  if (user === undefined) return <Loading what="Loading your account" />;
  if (user === null) return <SignInRequired what="your account" />;
  return (
    <section className="account-page">
      <h1>Your account</h1>
      <div className="account-grid">
        <Profile user={user} />
        <ChangePassword />
        <Addresses user={user} />
      </div>
      <button type="button" className="secondary" onClick={() => signOut().then(() => navigate("/"))}>
        Sign out
      </button>
    </section>
  );
}
