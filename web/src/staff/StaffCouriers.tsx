import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { carriedBy } from "../dashboard/figures";
import { statusWords } from "../ui/format";
import { Empty, ErrorNote, Loading } from "../ui/states";
import { DataTable, number } from "../dashboard/DataTable";

/** Every courier with what they carry now and how many they delivered; asked again every 10 s. */
export function StaffCouriers() {
  const couriers = useQuery({ queryKey: ["couriers"], queryFn: api.couriers, refetchInterval: 10_000 });
  const onTheRoad = useQuery({
    queryKey: ["parcels-on-the-road"],
    queryFn: async () => {
      const [picked, out] = await Promise.all([
        api.shipments({ status: "picked_up", per_page: 100 }),
        api.shipments({ status: "out_for_delivery", per_page: 100 }),
      ]);
      return carriedBy([...picked.items, ...out.items]);
    },
    refetchInterval: 10_000,
  });
  if (couriers.isPending) return <Loading what="Loading couriers" />;
  if (couriers.error) return <ErrorNote error={couriers.error} retry={couriers.refetch} />;
  return (
    <>
      <h1>Couriers</h1>
      {couriers.data.items.length === 0 ? (
        <Empty>No couriers yet: register one under Users.</Empty>
      ) : (
        <DataTable caption="Couriers board" columns={["Courier", "Zone", "Carrying now", number("Active"), number("Delivered")]}>
          {couriers.data.items.map((courier) => {
            const parcels = onTheRoad.data?.get(courier.courier_id) ?? [];
            return (
              <tr key={courier.courier_id}>
                <th scope="row">
                  {courier.name ?? "A former courier"}
                  {courier.active === false && <> <span className="pill off">Disabled</span></>}
                </th>
                <td>{courier.zone ?? "—"}</td>
                <td>
                  {parcels.length === 0
                    ? "Nothing"
                    : parcels.map((parcel) => (
                        <div key={parcel.id}>
                          {parcel.tracking_number} · {statusWords(parcel.status)}
                        </div>
                      ))}
                </td>
                <td className="number">{courier.active_deliveries}</td>
                <td className="number">{courier.completed_deliveries}</td>
              </tr>
            );
          })}
        </DataTable>
      )}
      {onTheRoad.error && <ErrorNote error={onTheRoad.error} retry={onTheRoad.refetch} />}
    </>
  );
}
