// Placeholder: this page is being built.
export default function OrdersPage() {
  return <h1>OrdersPage</h1>;
}
