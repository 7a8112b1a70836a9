export default function CourierApp() {
  return (
    <main>
      <h1>Souk couriers</h1>
    </main>
  );
}
