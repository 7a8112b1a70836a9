import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, ApiError, type NewUser, type Role, type User } from "../api/client";
import { pageCount } from "../shop/browse";
import { Field } from "../ui/Field";
import { Pagination } from "../ui/Pagination";
import { Empty, ErrorNote, Loading } from "../ui/states";
import { DataTable } from "../dashboard/DataTable";

const ROLES: Role[] = ["customer", "seller", "courier", "admin"];
const ROLE_WORDS: Record<Role, string> = { customer: "Customer", seller: "Seller", courier: "Courier", admin: "Staff" };

function UserRow({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: (body: { active?: boolean; role?: Role }) => api.updateUser(user.user_id, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["users"] }),
  });
  return (
    <tr>
      <th scope="row">
        {user.name}
        <div className="muted">{user.email}</div>
      </th>
      <td>
        <label className="visually-hidden" htmlFor={`role-${user.user_id}`}>Role of {user.email}</label>
        <select id={`role-${user.user_id}`} value={user.role} disabled={change.isPending} onChange={(e) => change.mutate({ role: e.target.value as Role })}>
          {ROLES.map((role) => <option key={role} value={role}>{ROLE_WORDS[role]}</option>)}
        </select>
      </td>
      <td>{user.shop_name ?? user.zone ?? "—"}</td>
      <td>{user.active ? <span className="pill">Active</span> : <span className="pill off">Disabled</span>}</td>
      <td>
        <button type="button" className="secondary" disabled={change.isPending} onClick={() => change.mutate({ active: !user.active })}
          aria-label={`${user.active ? "Disable" : "Enable"} ${user.email}`}>
          {user.active ? "Disable" : "Enable"}
        </button>
        {change.error && <ErrorNote error={change.error} />}
      </td>
    </tr>
  );
}

const BLANK: NewUser = { role: "seller", name: "", email: "", password: "", shop_name: "", zone: "" };

function Register() {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<NewUser>(BLANK);
  const register = useMutation({
    mutationFn: () =>
      api.createUser({
        ...form,
        shop_name: form.role === "seller" ? form.shop_name : undefined,
        zone: form.role === "courier" ? form.zone : undefined,
      }),
    onSuccess: () => {
      setForm({ ...BLANK, role: form.role });
      return queryClient.invalidateQueries({ queryKey: ["users"] });
    },
  });
  const fields = register.error instanceof ApiError ? register.error.fields : {};
  const set = (name: keyof NewUser) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    register.mutate();
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="Register a shop or courier">
      <h2>Register a shop or courier</h2>
      <div className="form-grid">
        <label>
          Account for
          <select value={form.role} onChange={set("role")}>
            <option value="seller">A shop (seller)</option>
            <option value="courier">A courier</option>
            <option value="admin">Staff</option>
          </select>
        </label>
        <Field label="Name" required value={form.name} onChange={set("name")} error={fields.name} />
        <Field label="Email" type="email" required value={form.email} onChange={set("email")} error={fields.email} />
        <Field label="Password" type="password" required minLength={8} autoComplete="new-password" value={form.password} onChange={set("password")} error={fields.password} hint="At least 8 characters; tell them to change it" />
        {form.role === "seller" && <Field label="Shop name" required value={form.shop_name} onChange={set("shop_name")} error={fields.shop_name} />}
        {form.role === "courier" && <Field label="Zone" required value={form.zone} onChange={set("zone")} error={fields.zone} hint="e.g. central" />}
      </div>
      {register.error && <ErrorNote error={register.error} listFields={false} />}
      {register.isSuccess && <p className="success" role="status">Registered {register.data.email}.</p>}
      <div>
        <button type="submit" disabled={register.isPending}>{register.isPending ? "Registering…" : "Register"}</button>
      </div>
    </form>
  );
}

export function StaffUsers() {
  const [q, setQ] = useState("");
  const [role, setRole] = useState<Role | "">("");
  const [page, setPage] = useState(1);
  const query = { q: q.trim() || undefined, role: role || undefined, page };
  const users = useQuery({ queryKey: ["users", query], queryFn: () => api.users(query) });
  return (
    <>
      <h1>Users</h1>
      <Register />
      <h2>Find users</h2>
      <form className="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field label="Name or email" type="search" value={q} onChange={(e) => { setQ(e.target.value); setPage(1); }} />
        <label>
          Role
          <select value={role} onChange={(e) => { setRole(e.target.value as Role | ""); setPage(1); }}>
            <option value="">Every role</option>
            {ROLES.map((r) => <option key={r} value={r}>{ROLE_WORDS[r]}</option>)}
          </select>
        </label>
      </form>
      {users.isPending ? (
        <Loading what="Loading users" />
      ) : users.error ? (
        <ErrorNote error={users.error} retry={users.refetch} />
      ) : users.data.items.length === 0 ? (
        <Empty>No user matches.</Empty>
      ) : (
        <>
          <DataTable caption="Users" columns={["User", "Role", "Shop or zone", "Status", "Actions"]}>
            {users.data.items.map((user) => <UserRow key={user.user_id} user={user} />)}
          </DataTable>
          <Pagination page={page} pages={pageCount(users.data.total, users.data.per_page)} go={setPage} />
        </>
      )}
    </>
  );
}
