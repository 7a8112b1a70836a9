import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState, type ChangeEvent, type FormEvent } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import { api, ApiError, type ProductInput, type SellerProduct } from "../api/client";
import { Field } from "../ui/Field";
import { money } from "../ui/format";
import { Empty, ErrorNote, Loading } from "../ui/states";
import { useMyProducts } from "./products";
import { DataTable, number } from "../dashboard/DataTable";

type Shown = "all" | "active" | "disabled";

function matches(product: SellerProduct, words: string, shown: Shown, category: string): boolean {
  if (shown === "active" && !product.active) return false;
  if (shown === "disabled" && product.active) return false;
  if (category && product.category !== category) return false;
  const text = `${product.name} ${product.sku ?? ""}`.toLowerCase();
  return words.split(/\s+/).every((word) => text.includes(word.toLowerCase()));
}

function ProductRow({ product }: { product: SellerProduct }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["my-products"] });
  const toggle = useMutation({ mutationFn: () => api.setProductActive(product.id, !product.active), onSuccess: refresh });
  const remove = useMutation({ mutationFn: () => api.deleteProduct(product.id), onSuccess: refresh });
  return (
    <tr>
      <th scope="row">
        <Link to={`/seller/products/${product.id}`}>{product.name}</Link>
        {product.sku && <div className="muted">SKU {product.sku}</div>}
      </th>
      <td>{product.category ?? "—"}</td>
      <td className="number">
        {money(product.effective_price, product.currency)}
        {product.offer && <div className="muted">list {money(product.price, product.currency)}</div>}
      </td>
      <td className="number">{product.stock}</td>
      <td>{product.active ? <span className="pill">Listed</span> : <span className="pill off">Disabled</span>}</td>
      <td>
        <div className="row-actions">
          <button type="button" className="secondary" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
            {product.active ? "Disable" : "Enable"}
          </button>
          {confirming ? (
            <>
              <button type="button" className="danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
                Delete {product.name} for good
              </button>
              <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                Keep it
              </button>
            </>
          ) : (
            <button type="button" className="secondary" onClick={() => setConfirming(true)}>
              Delete
            </button>
          )}
        </div>
        {(toggle.error || remove.error) && <ErrorNote error={toggle.error ?? remove.error} />}
      </td>
    </tr>
  );
}

export function SellerProducts() {
  const products = useMyProducts();
  const [words, setWords] = useState("");
  const [shown, setShown] = useState<Shown>("all");
  const [category, setCategory] = useState("");
  const categories = useMemo(
    () => [...new Set(products.data?.items.map((p) => p.category).filter((c): c is string => !!c))].sort(),
    [products.data],
  );
  if (products.isPending) return <Loading what="Loading your products" />;
  if (products.error) return <ErrorNote error={products.error} retry={products.refetch} />;
  const found = products.data.items.filter((p) => matches(p, words.trim(), shown, category));
  return (
    <>
      <h1>Products</h1>
      <div className="toolbar">
        <Field label="Search" type="search" value={words} onChange={(e) => setWords(e.target.value)} />
        <label>
          Category
          <select value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value="">Every category</option>
            {categories.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>
        <label>
          Showing
          <select value={shown} onChange={(e) => setShown(e.target.value as Shown)}>
            <option value="all">All</option>
            <option value="active">Listed</option>
            <option value="disabled">Disabled</option>
          </select>
        </label>
        <Link to="/seller/products/new" className="button-link">
          Add a product
        </Link>
      </div>
      {found.length === 0 ? (
        <Empty>{products.data.total === 0 ? "No products yet: add your first one." : "No product matches."}</Empty>
      ) : (
        <DataTable caption="Your products" columns={["Name", "Category", number("Price"), number("Stock"), "Status", "Actions"]}>
          {found.map((product) => (
            <ProductRow key={product.id} product={product} />
          ))}
        </DataTable>
      )}
    </>
  );
}

interface ProductForm {
  name: string;
  price: string;
  description: string;
  category: string;
  sku: string;
  stock: string;
}

const EMPTY: ProductForm = { name: "", price: "", description: "", category: "", sku: "", stock: "0" };

function formOf(product: SellerProduct): ProductForm {
  return {
    name: product.name,
    price: product.price,
    description: product.description,
    category: product.category ?? "",
    sku: product.sku ?? "",
    stock: String(product.stock),
  };
}

function inputOf(form: ProductForm, creating: boolean): ProductInput {
  const input: ProductInput = {
    name: form.name.trim(),
    price: form.price.trim(),
    description: form.description,
    category: form.category.trim() || null,
    sku: form.sku.trim() || null,
  };
  if (creating) input.stock = Number(form.stock || 0);
  return input;
}

function ImageUpload({ product }: { product: SellerProduct }) {
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  useEffect(() => {
    if (!file) return setPreview(null);
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);
  const upload = useMutation({
    mutationFn: () => api.uploadImage(product.id, file!),
    onSuccess: () => {
      setFile(null);
      return queryClient.invalidateQueries({ queryKey: ["my-products"] });
    },
  });
  const choose = (event: ChangeEvent<HTMLInputElement>) => {
    upload.reset();
    setFile(event.target.files?.[0] ?? null);
  };
  return (
    <section aria-labelledby="images">
      <h2 id="images">Pictures</h2>
      <div className="image-preview">
        {product.images.map((url) => (
          <img key={url} src={url} alt={`Picture of ${product.name}`} />
        ))}
        {preview && <img src={preview} alt="The chosen picture, not uploaded yet" />}
      </div>
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); upload.mutate(); }}>
        <label>
          Choose a picture (JPEG, PNG or WebP, up to 5 MB)
          <input type="file" accept="image/jpeg,image/png,image/webp" onChange={choose} />
        </label>
        <button type="submit" disabled={!file || upload.isPending}>
          {upload.isPending ? "Uploading…" : "Upload"}
        </button>
      </form>
      {upload.error && <ErrorNote error={upload.error} />}
      {upload.isSuccess && <p className="success" role="status">Picture added.</p>}
    </section>
  );
}

/** Add a product, or edit one (its fields and pictures). */
export function ProductEditor() {
  const { productId } = useParams();
  const creating = productId === undefined;
  const products = useMyProducts();
  const product = products.data?.items.find((p) => p.id === productId);
  const navigate = useNavigate();
  const added = (useLocation().state as { added?: boolean } | null)?.added;
  const queryClient = useQueryClient();
  const [form, setForm] = useState<ProductForm>(EMPTY);
  useEffect(() => {
    if (product) setForm(formOf(product));
  }, [product]);
  const save = useMutation({
    mutationFn: () =>
      creating ? api.createProduct(inputOf(form, true)) : api.updateProduct(productId, inputOf(form, false)),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ["my-products"] });
      if (creating) {
        save.reset(); // the editor stays mounted for the new product: no "Saved." there
        navigate(`/seller/products/${saved.id}`, { replace: true, state: { added: true } });
      }
    },
  });
  const categories = useQuery({ queryKey: ["categories"], queryFn: api.categories });
  if (!creating && products.isPending) return <Loading what="Loading the product" />;
  if (!creating && !product) return <ErrorNote error={products.error ?? new ApiError("No such product of yours", 404, "not_found")} />;
  const fields = save.error instanceof ApiError ? save.error.fields : {};
  const set = (name: keyof ProductForm) => (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
    setForm({ ...form, [name]: event.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <>
      <p>
        <Link to="/seller/products">← Products</Link>
      </p>
      <h1>{creating ? "Add a product" : product!.name}</h1>
      {added && !save.isSuccess && <p className="success" role="status">Product added. Add its pictures below.</p>}
      <form className="card form" onSubmit={submit} aria-label={creating ? "New product" : "Edit product"}>
        <div className="form-grid">
          <Field label="Name" required value={form.name} onChange={set("name")} error={fields.name} maxLength={200} />
          <Field label="Price" required inputMode="decimal" value={form.price} onChange={set("price")} error={fields.price} hint="e.g. 19.99" />
          <Field label="Category" list="known-categories" value={form.category} onChange={set("category")} error={fields.category} />
          <Field label="SKU" value={form.sku} onChange={set("sku")} error={fields.sku} />
          {creating && (
            <Field label="Opening stock" type="number" min={0} value={form.stock} onChange={set("stock")} error={fields.stock} />
          )}
        </div>
        <datalist id="known-categories">
          {categories.data?.items.map((c) => <option key={c.name} value={c.name} />)}
        </datalist>
        <label>
          Description
          <textarea rows={4} value={form.description} onChange={set("description")} maxLength={5000} />
        </label>
        {save.error && <ErrorNote error={save.error} listFields={false} />}
        {save.isSuccess && !creating && <p className="success" role="status">Saved.</p>}
        <div>
          <button type="submit" disabled={save.isPending}>
            {save.isPending ? "Saving…" : creating ? "Add product" : "Save changes"}
          </button>
        </div>
      </form>
      {product && <ImageUpload product={product} />}
    </>
  );
}
