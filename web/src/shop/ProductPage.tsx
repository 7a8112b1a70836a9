// Placeholder: this page is being built.
export default function ProductPage() {
  return <h1>ProductPage</h1>;
}
