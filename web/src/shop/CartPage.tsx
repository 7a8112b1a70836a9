// Placeholder: this page is being built.
export default function CartPage() {
  return <h1>CartPage</h1>;
}
