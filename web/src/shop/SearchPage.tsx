// Placeholder: this page is being built.
export default function SearchPage() {
  return <h1>SearchPage</h1>;
}
