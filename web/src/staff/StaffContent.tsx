import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, ApiError, type Banner, type BannerInput, type ContentPage } from "../api/client";
import { Field } from "../ui/Field";
import { dateTime } from "../ui/format";
import { Empty, ErrorNote, Loading } from "../ui/states";
import { DataTable, number } from "../dashboard/DataTable";

function useBannerChange<T>(change: (value: T) => Promise<unknown>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: change,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["banners"] }),
  });
}

function when(banner: Banner): string {
  if (!banner.starts_at && !banner.ends_at) return "Always";
  const from = banner.starts_at ? `from ${dateTime(banner.starts_at)}` : "";
  const to = banner.ends_at ? ` until ${dateTime(banner.ends_at)}` : "";
  return `${from}${to}`.trim();
}

function BannerRow({ banner }: { banner: Banner }) {
  const [confirming, setConfirming] = useState(false);
  const publish = useBannerChange((published: boolean) => api.updateBanner(banner.id, { published }));
  const remove = useBannerChange(() => api.deleteBanner(banner.id));
  return (
    <tr>
      <th scope="row">
        {banner.title}
        {banner.body && <div className="muted">{banner.body}</div>}
      </th>
      <td>{banner.link_url ?? "—"}</td>
      <td className="number">{banner.position}</td>
      <td>{when(banner)}</td>
      <td>{banner.published ? <span className="pill">Published</span> : <span className="pill off">Draft</span>}</td>
      <td>
        <div className="row-actions">
          <button type="button" className="secondary" disabled={publish.isPending} onClick={() => publish.mutate(!banner.published)}
            aria-label={`${banner.published ? "Unpublish" : "Publish"} ${banner.title}`}>
            {banner.published ? "Unpublish" : "Publish"}
          </button>
          {confirming ? (
            <button type="button" className="danger" onClick={() => remove.mutate(undefined)}>Delete for good</button>
          ) : (
            <button type="button" className="secondary" onClick={() => setConfirming(true)} aria-label={`Delete ${banner.title}`}>
              Delete
            </button>
          )}
        </div>
        {(publish.error || remove.error) && <ErrorNote error={publish.error ?? remove.error} />}
      </td>
    </tr>
  );
}

interface BannerForm {
  title: string;
  body: string;
  link_url: string;
  position: string;
  starts_at: string;
  ends_at: string;
  published: boolean;
}

const BLANK: BannerForm = { title: "", body: "", link_url: "", position: "0", starts_at: "", ends_at: "", published: true };

function inputOf(form: BannerForm): BannerInput {
  return {
    title: form.title.trim(),
    body: form.body.trim(),
    link_url: form.link_url.trim() || null,
    position: Number(form.position || 0),
    published: form.published,
    starts_at: form.starts_at ? new Date(form.starts_at).toISOString() : null,
    ends_at: form.ends_at ? new Date(form.ends_at).toISOString() : null,
  };
}

function NewBanner() {
  const [form, setForm] = useState<BannerForm>(BLANK);
  const create = useBannerChange(() => api.createBanner(inputOf(form)));
  const fields = create.error instanceof ApiError ? create.error.fields : {};
  const set = (name: keyof BannerForm) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, { onSuccess: () => setForm(BLANK) });
  };
  return (
    <form className="card form" onSubmit={submit} aria-label="New banner">
      <h2>New banner</h2>
      <div className="form-grid">
        <Field label="Title" required maxLength={120} value={form.title} onChange={set("title")} error={fields.title} />
        <Field label="Text" maxLength={1000} value={form.body} onChange={set("body")} error={fields.body} />
        <Field label="Link" value={form.link_url} onChange={set("link_url")} error={fields.link_url} hint="A shop path such as /search?on_offer=true, or https://…" />
        <Field label="Position" type="number" min={0} max={1000} value={form.position} onChange={set("position")} error={fields.position} hint="Lower shows first" />
        <Field label="Shown from" type="datetime-local" value={form.starts_at} onChange={set("starts_at")} error={fields.starts_at} hint="Empty: at once" />
        <Field label="Shown until" type="datetime-local" value={form.ends_at} onChange={set("ends_at")} error={fields.ends_at} hint="Empty: until unpublished" />
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={form.published} onChange={(e) => setForm({ ...form, published: e.target.checked })} />
        Publish on the shop's home page
      </label>
      {create.error && <ErrorNote error={create.error} listFields={false} />}
      {create.isSuccess && <p className="success" role="status">Banner saved.</p>}
      <div>
        <button type="submit" disabled={create.isPending}>{create.isPending ? "Saving…" : "Save banner"}</button>
      </div>
    </form>
  );
}

interface PageForm {
  slug: string;
  title: string;
  body: string;
  position: string;
  published: boolean;
}

const NO_PAGE: PageForm = { slug: "", title: "", body: "", position: "0", published: true };

function formOf(page: ContentPage): PageForm {
  return { ...page, position: String(page.position) };
}

/** Write a page, new or (chosen from the list) one to change. */
function PageEditor({ editing, done }: { editing: ContentPage | null; done(): void }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<PageForm>(editing ? formOf(editing) : NO_PAGE);
  const save = useMutation({
    mutationFn: () =>
      api.writePage(form.slug.trim(), {
        title: form.title.trim(),
        body: form.body,
        position: Number(form.position || 0),
        published: form.published,
      }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["pages"] });
      setForm(NO_PAGE);
      done();
    },
  });
  const fields = save.error instanceof ApiError ? save.error.fields : {};
  const set = (name: keyof PageForm) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="card form" onSubmit={submit} aria-label={editing ? `Edit page ${editing.title}` : "New page"}>
      <h2>{editing ? `Edit “${editing.title}”` : "New page"}</h2>
      <div className="form-grid">
        <Field label="Address" required value={form.slug} onChange={set("slug")} readOnly={!!editing} error={fields.slug}
          hint={`Lower-case words joined by hyphens: /pages/${form.slug || "returns"}`} />
        <Field label="Page title" required maxLength={120} value={form.title} onChange={set("title")} error={fields.title} />
        <Field label="Order" type="number" min={0} max={1000} value={form.position} onChange={set("position")} error={fields.position} hint="Lower shows first" />
      </div>
      <label>
        Text (a blank line starts a paragraph)
        <textarea rows={6} maxLength={20000} value={form.body} onChange={set("body")} />
      </label>
      <label className="checkbox">
        <input type="checkbox" checked={form.published} onChange={(e) => setForm({ ...form, published: e.target.checked })} />
        Published: linked from every page of the shop
      </label>
      {save.error && <ErrorNote error={save.error} listFields={false} />}
      <div className="row-actions">
        <button type="submit" disabled={save.isPending}>{save.isPending ? "Saving…" : "Save page"}</button>
        {editing && <button type="button" className="secondary" onClick={done}>Cancel</button>}
      </div>
    </form>
  );
}

function Pages() {
  const pages = useQuery({ queryKey: ["pages", "all"], queryFn: api.everyPage });
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<ContentPage | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const remove = useMutation({
    mutationFn: api.deletePage,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["pages"] }),
  });
  return (
    <section aria-labelledby="pages">
      <h2 id="pages">Pages</h2>
      <PageEditor key={editing?.slug ?? "new"} editing={editing} done={() => setEditing(null)} />
      {pages.isPending ? (
        <Loading what="Loading pages" />
      ) : pages.error ? (
        <ErrorNote error={pages.error} retry={pages.refetch} />
      ) : pages.data.items.length === 0 ? (
        <Empty>No pages yet.</Empty>
      ) : (
        <ul className="plain-list" aria-label="Pages">
          {pages.data.items.map((page) => (
            <li key={page.slug}>
              <strong>
                {page.title} <span className={page.published ? "pill" : "pill off"}>{page.published ? "Published" : "Draft"}</span>
              </strong>
              <span className="muted">/pages/{page.slug} · changed {dateTime(page.updated_at)}</span>
              <div className="row-actions">
                <button type="button" className="secondary" onClick={() => setEditing(page)} aria-label={`Edit ${page.title}`}>Edit</button>
                {confirming === page.slug ? (
                  <button type="button" className="danger" onClick={() => remove.mutate(page.slug)}>Delete {page.title} for good</button>
                ) : (
                  <button type="button" className="secondary" onClick={() => setConfirming(page.slug)} aria-label={`Delete ${page.title}`}>Delete</button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {remove.error && <ErrorNote error={remove.error} />}
    </section>
  );
}

export function StaffContent() {
  const banners = useQuery({ queryKey: ["banners", "all"], queryFn: api.everyBanner });
  return (
    <>
      <h1>Content</h1>
      <p className="muted">Banners show on the shop's home page, published ones only, by position; the shop may take two seconds to show a change.</p>
      <NewBanner />
      <h2>Banners</h2>
      {banners.isPending ? (
        <Loading what="Loading banners" />
      ) : banners.error ? (
        <ErrorNote error={banners.error} retry={banners.refetch} />
      ) : banners.data.items.length === 0 ? (
        <Empty>No banners yet.</Empty>
      ) : (
        <DataTable caption="Banners" columns={["Banner", "Link", number("Position"), "When", "Status", "Actions"]}>
          {banners.data.items.map((banner) => <BannerRow key={banner.id} banner={banner} />)}
        </DataTable>
      )}
      <Pages />
    </>
  );
}
