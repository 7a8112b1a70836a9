import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { api, type Notification, type NotificationPreference } from "../api/client";
import { useSession } from "../auth/session";
import { dateTime } from "../ui/format";
import { Pagination } from "../ui/Pagination";
import { Empty, ErrorNote, Loading } from "../ui/states";
import { SignInRequired } from "./authForms";
import { pageCount } from "./browse";

function NotificationItem({ item }: { item: Notification }) {
  const queryClient = useQueryClient();
  const read = useMutation({
    mutationFn: () => api.markNotificationRead(item.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["notifications"] }),
  });
  return (
    <li className={`card notification${item.read_at ? "" : " unread"}`}>
      <strong>{item.link ? <Link to={item.link} onClick={() => read.mutate()}>{item.title}</Link> : item.title}</strong>
      <span>{item.body}</span>
      <span className="muted">{dateTime(item.created_at)}</span>
      {!item.read_at && (
        <button type="button" className="link-button" onClick={() => read.mutate()} disabled={read.isPending}>
          Mark read
        </button>
      )}
    </li>
  );
}

function Preferences() {
  const queryClient = useQueryClient();
  const preferences = useQuery({ queryKey: ["notification-preferences"], queryFn: api.notificationPreferences });
  const choose = useMutation({
    mutationFn: ({ kind, ...body }: { kind: string; inbox?: boolean; email?: boolean }) =>
      api.chooseNotifications(kind, body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["notification-preferences"] }),
  });
  // The switch moves at once; the server's answer (or, on an error, a fresh read) settles it.
  const flip = (kind: string, body: { inbox?: boolean; email?: boolean }) => {
    queryClient.setQueryData<{ items: NotificationPreference[] }>(["notification-preferences"], (old) =>
      old ? { items: old.items.map((p) => (p.kind === kind ? { ...p, ...body } : p)) } : old,
    );
    choose.mutate({ kind, ...body });
  };
  if (preferences.isPending) return <Loading what="Loading your choices" />;
  if (preferences.error) return <ErrorNote error={preferences.error} retry={preferences.refetch} />;
  if (preferences.data.items.length === 0) return null;
  const row = (p: NotificationPreference) => (
    <tr key={p.kind}>
      <th scope="row">{p.label}</th>
      {(["inbox", "email"] as const).map((channel) => (
        <td key={channel}>
          <input
            type="checkbox"
            aria-label={`${p.label}: ${channel === "inbox" ? "in this inbox" : "by e-mail"}`}
            checked={p[channel]}
            disabled={choose.isPending}
            onChange={(event) => flip(p.kind, { [channel]: event.target.checked })}
          />
        </td>
      ))}
    </tr>
  );
  return (
    <section aria-labelledby="choices-heading">
      <h2 id="choices-heading">What you are told</h2>
      {choose.error && <ErrorNote error={choose.error} />}
      <table>
        <thead>
          <tr>
            <th scope="col">Notification</th>
            <th scope="col">Inbox</th>
            <th scope="col">E-mail</th>
          </tr>
        </thead>
        <tbody>{preferences.data.items.map(row)}</tbody>
      </table>
    </section>
  );
}

export default function NotificationsPage() {
  const { user } = useSession();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const inbox = useQuery({
    queryKey: ["notifications", page],
    queryFn: () => api.notifications(page),
    enabled: Boolean(user),
    placeholderData: keepPreviousData,
  });
  const readAll = useMutation({
    mutationFn: api.markAllNotificationsRead,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["notifications"] }),
  });
  if (user === null) return <SignInRequired what="your notifications" />;
  if (user === undefined || inbox.isPending) return <Loading what="Loading your notifications" />;
  if (inbox.error) return <ErrorNote error={inbox.error} retry={inbox.refetch} />;
  return (
    <section className="notifications-page">
      <h1>Notifications</h1>
      <p>
        {inbox.data.unread === 0 ? "All read." : `${inbox.data.unread} unread.`}{" "}
        {inbox.data.unread > 0 && (
          <button type="button" onClick={() => readAll.mutate()} disabled={readAll.isPending}>
            Mark all read
          </button>
        )}
      </p>
      {inbox.data.items.length === 0 ? (
        <Empty>Nothing yet: your orders' news will appear here.</Empty>
      ) : (
        <ul className="notification-list" aria-label="Notifications">
          {inbox.data.items.map((item) => (
            <NotificationItem key={item.id} item={item} />
          ))}
        </ul>
      )}
      <Pagination page={page} pages={pageCount(inbox.data.total, inbox.data.per_page)} go={setPage} />
      <Preferences />
    </section>
  );
}
