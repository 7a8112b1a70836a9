import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router-dom";
import { api, ApiError, everyPage, type StockLevel } from "../api/client";
import { Field } from "../ui/Field";
import { dateTime } from "../ui/format";
import { Empty, ErrorNote, Loading } from "../ui/states";
import { useProductNames } from "./products";
import { DataTable, number } from "../dashboard/DataTable";

const CHANGE_WORDS: Record<string, string> = {
  restock: "Restocked",
  purchase: "Sold",
  adjustment: "Adjusted",
  release: "Released",
  return: "Returned",
};

/** Set a product's stock (with a reason for the ledger) and its low-stock threshold. */
function StockForm({ level, name, done }: { level: StockLevel; name: string; done(): void }) {
  const queryClient = useQueryClient();
  const [stock, setStock] = useState(String(level.stock));
  const [reason, setReason] = useState("");
  const [threshold, setThreshold] = useState(String(level.low_stock_threshold));
  const save = useMutation({
    mutationFn: async () => {
      if (Number(stock) !== level.stock) await api.setStock(level.product_id, Number(stock), reason.trim() || undefined);
      if (Number(threshold) !== level.low_stock_threshold) await api.setThreshold(level.product_id, Number(threshold));
    },
    onSuccess: async () => {
      await Promise.all(
        [["stock-levels"], ["low-stock"], ["movements", level.product_id], ["my-products"]].map((queryKey) =>
          queryClient.invalidateQueries({ queryKey }),
        ),
      );
      done();
    },
  });
  const fields = save.error instanceof ApiError ? save.error.fields : {};
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label={`Stock of ${name}`}>
      <Field label="Stock on hand" type="number" min={0} required value={stock} onChange={(e) => setStock(e.target.value)} error={fields.stock} />
      <Field label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={200} hint="e.g. delivery from the workshop" />
      <Field
        label="Low-stock threshold" type="number" min={0} required value={threshold}
        onChange={(e) => setThreshold(e.target.value)} error={fields.low_stock_threshold}
      />
      <button type="submit" disabled={save.isPending}>{save.isPending ? "Saving…" : "Save"}</button>
      <button type="button" className="secondary" onClick={done}>Cancel</button>
      {save.error && <ErrorNote error={save.error} listFields={false} />}
    </form>
  );
}

function Movements({ productId, name }: { productId: string; name: string }) {
  const movements = useQuery({ queryKey: ["movements", productId], queryFn: () => api.movements(productId) });
  if (movements.isPending) return <Loading what="Loading the ledger" />;
  if (movements.error) return <ErrorNote error={movements.error} retry={movements.refetch} />;
  if (movements.data.items.length === 0) return <Empty>No stock movements yet.</Empty>;
  return (
    <DataTable caption={`Stock movements of ${name}`} showCaption columns={["When", "What", number("Change"), number("Stock"), "Reason or order"]}>
      {movements.data.items.map((move) => (
        <tr key={move.id}>
          <td>{dateTime(move.at)}</td>
          <td>{CHANGE_WORDS[move.change_type] ?? move.change_type}</td>
          <td className="number">{move.quantity > 0 ? `+${move.quantity}` : move.quantity}</td>
          <td className="number">{move.old_stock} → {move.new_stock}</td>
          <td>{move.reason ?? (move.order_id ? `Order ${move.order_id.slice(0, 8)}` : "—")}</td>
        </tr>
      ))}
    </DataTable>
  );
}

function LevelsTable({ levels, caption, editFirst = null, showLedger }: {
  levels: StockLevel[];
  caption: string;
  /** A product whose form opens at once (the dashboard's low-stock links name one). */
  editFirst?: string | null;
  showLedger(productId: string): void;
}) {
  const nameOf = useProductNames();
  const [editing, setEditing] = useState<string | null>(editFirst);
  return (
    <DataTable caption={caption} columns={["Product", number("Stock"), number("Reserved"), number("Available"), number("Threshold"), "Actions"]}>
      {levels.map((level) => (
        <tr key={level.product_id} className={level.low_stock ? "low" : undefined}>
          <th scope="row">
            {nameOf(level.product_id)}
            {level.low_stock && <> <span className="pill warn">Low</span></>}
            {editing === level.product_id && (
              <StockForm level={level} name={nameOf(level.product_id)} done={() => setEditing(null)} />
            )}
          </th>
          <td className="number">{level.stock}</td>
          <td className="number">{level.reserved}</td>
          <td className="number">{level.available}</td>
          <td className="number">{level.low_stock_threshold}</td>
          <td>
            <div className="row-actions">
              <button type="button" className="secondary" onClick={() => setEditing(level.product_id)} aria-label={`Edit stock of ${nameOf(level.product_id)}`}>
                Edit stock
              </button>
              <button type="button" className="secondary" onClick={() => showLedger(level.product_id)} aria-label={`Movements of ${nameOf(level.product_id)}`}>
                Movements
              </button>
            </div>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

export function SellerStock() {
  const levels = useQuery({ queryKey: ["stock-levels"], queryFn: () => everyPage(api.stockLevels) });
  const low = useQuery({ queryKey: ["low-stock"], queryFn: api.lowStock });
  const nameOf = useProductNames();
  const [params, setParams] = useSearchParams();
  const ledger = params.get("ledger");
  const showLedger = (productId: string) => setParams({ ledger: productId });
  return (
    <>
      <h1>Stock</h1>
      <section aria-labelledby="alerts">
        <h2 id="alerts">Low-stock alerts</h2>
        {low.isPending ? (
          <Loading what="Loading alerts" />
        ) : low.error ? (
          <ErrorNote error={low.error} retry={low.refetch} />
        ) : low.data.items.length === 0 ? (
          <Empty>No product is at or under its low-stock threshold.</Empty>
        ) : (
          <LevelsTable levels={low.data.items} caption="Low-stock alerts" editFirst={params.get("product")} showLedger={showLedger} />
        )}
      </section>
      <section aria-labelledby="levels">
        <h2 id="levels">Every product</h2>
        {levels.isPending ? (
          <Loading what="Loading stock" />
        ) : levels.error ? (
          <ErrorNote error={levels.error} retry={levels.refetch} />
        ) : levels.data.items.length === 0 ? (
          <Empty>No products yet.</Empty>
        ) : (
          <LevelsTable levels={levels.data.items} caption="Stock of every product" showLedger={showLedger} />
        )}
      </section>
      {ledger && (
        <section aria-labelledby="ledger">
          <h2 id="ledger">Movements</h2>
          <Movements productId={ledger} name={nameOf(ledger)} />
        </section>
      )}
    </>
  );
}
