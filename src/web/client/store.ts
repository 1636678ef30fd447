import type { Api } from "./api";
import type {
  BankAlert,
  BankLink,
  Message,
  Page,
  Payment,
  PaymentRequest,
  PaymentStatus,
  Thread,
  User,
} from "./api-types";

export type ConnectionState = "connecting" | "live" | "reconnecting";

type StoreEvents = {
  payment: Payment;
  request: PaymentRequest;
  message: Message;
  threads: Thread[];
  users: undefined;
  connection: ConnectionState;
  bankAlert: BankAlert;
  bankLink: BankLink;
};

/**
 * How far along a payment is, for merging copies that carry the same `updated_at` (a GET that
 * started before a live event can answer after it; the newer state must win).
 */
const STAGE: Record<PaymentStatus, number> = {
  requires_confirmation: 0,
  processing: 1,
  requires_action: 1,
  held: 2,
  awaiting_recipient: 2,
  paying_out: 3,
  paid_out: 4,
  failed: 4,
  canceled: 4,
  declined: 4,
  expired: 4,
  refunded: 4,
};

function newerPayment(current: Payment | undefined, incoming: Payment): boolean {
  if (!current) return true;
  const byTime = Date.parse(incoming.updated_at) - Date.parse(current.updated_at);
  if (byTime !== 0) return byTime > 0;
  if (STAGE[incoming.status] !== STAGE[current.status]) return STAGE[incoming.status] > STAGE[current.status];
  // Same moment and stage: the sender's copy carries next_action's secret only when asked; keep it.
  return incoming.next_action?.client_secret != null || current.next_action?.client_secret == null;
}

function requestProgress(r: PaymentRequest): number {
  return (r.status === "open" ? 0 : 100) + r.shares.filter((s) => s.status !== "pending").length;
}

/** What this tab knows, and who wants to hear when it changes. Only the session token is persisted. */
export class Store {
  readonly users = new Map<string, User>();
  readonly payments = new Map<string, Payment>();
  readonly requests = new Map<string, PaymentRequest>();
  readonly unread = new Set<string>();
  threads: Thread[] = [];
  connection: ConnectionState = "connecting";
  private readonly target = new EventTarget();
  private readonly pendingUsers = new Map<string, Promise<void>>();

  constructor(
    readonly me: User,
    private readonly api: Api,
  ) {
    this.users.set(me.id, me);
  }

  on<K extends keyof StoreEvents>(type: K, listener: (value: StoreEvents[K]) => void, signal: AbortSignal): void {
    this.target.addEventListener(type, (e) => listener((e as CustomEvent<StoreEvents[K]>).detail), { signal });
  }

  private emit<K extends keyof StoreEvents>(type: K, value: StoreEvents[K]): void {
    this.target.dispatchEvent(new CustomEvent(type, { detail: value }));
  }

  setConnection(state: ConnectionState): void {
    this.connection = state;
    this.emit("connection", state);
  }

  putPayment(payment: Payment): Payment {
    const current = this.payments.get(payment.id);
    if (!newerPayment(current, payment)) return current ?? payment;
    this.payments.set(payment.id, payment);
    this.emit("payment", payment);
    return payment;
  }

  putRequest(request: PaymentRequest): PaymentRequest {
    const current = this.requests.get(request.id);
    if (current && requestProgress(current) > requestProgress(request)) return current;
    this.requests.set(request.id, request);
    this.emit("request", request);
    return request;
  }

  messageArrived(message: Message): void {
    const known = this.threads.find((t) => t.id === message.thread_id);
    if (message.sender_id !== this.me.id) this.unread.add(message.thread_id);
    if (known) {
      // Newest conversation first, as the server lists them.
      this.threads = [known, ...this.threads.filter((t) => t !== known)];
      this.emit("threads", this.threads);
    } else {
      void this.loadThreads();
    }
    this.emit("message", message);
  }

  markRead(threadId: string): void {
    if (this.unread.delete(threadId)) this.emit("threads", this.threads);
  }

  async loadThreads(): Promise<Thread[]> {
    const page = await this.api.get<Page<Thread>>("/v1/threads?limit=100");
    this.setThreads(page.items);
    return page.items;
  }

  setThreads(threads: Thread[]): void {
    for (const thread of threads) for (const member of thread.members) this.users.set(member.id, member);
    this.threads = threads;
    this.emit("threads", threads);
  }

  addThread(thread: Thread): void {
    this.setThreads([thread, ...this.threads.filter((t) => t.id !== thread.id)]);
  }

  /** Someone started a thread with this person (a group, before anyone writes in it): it joins the list at once. */
  threadCreated(thread: Thread): void {
    if (!this.threads.some((t) => t.id === thread.id)) this.addThread(thread);
  }

  /** Display name, or "you" for the person signed in. */
  nameOf(userId: string): string {
    if (userId === this.me.id) return "You";
    return this.users.get(userId)?.display_name ?? "Someone";
  }

  /** Looks up people this tab has not met yet (history can name people from older threads). */
  async ensureUsers(ids: Iterable<string>): Promise<void> {
    const wanted = [...new Set(ids)].filter((id) => !this.users.has(id));
    await Promise.all(
      wanted.map((id) => {
        let pending = this.pendingUsers.get(id);
        if (!pending) {
          pending = this.api
            .get<Page<User>>(`/v1/users?id=${encodeURIComponent(id)}`)
            .then((page) => {
              for (const user of page.items) this.users.set(user.id, user);
              this.emit("users", undefined);
            })
            .catch(() => undefined); // the name stays "Someone"; nothing else depends on it
          this.pendingUsers.set(id, pending);
        }
        return pending;
      }),
    );
  }

  /** The other people in a thread, by name: the API lists members in no particular order. */
  othersIn(thread: Thread): User[] {
    return thread.members
      .filter((m) => m.id !== this.me.id)
      .sort((a, b) => a.display_name.localeCompare(b.display_name));
  }

  threadTitle(thread: Thread): string {
    if (thread.title) return thread.title;
    return (
      this.othersIn(thread)
        .map((m) => m.display_name)
        .join(", ") || "Just you"
    );
  }

  /** A fraud alert was delivered, answered or closed (its buttons follow). */
  bankAlertUpdated(alert: BankAlert): void {
    this.emit("bankAlert", alert);
  }

  /** A bank link changed (ended, from either side or by expiry). */
  bankLinkUpdated(link: BankLink): void {
    this.emit("bankLink", link);
  }

  async fetchPayment(id: string): Promise<Payment> {
    return this.putPayment(await this.api.get<Payment>(`/v1/payments/${encodeURIComponent(id)}`));
  }

  async fetchRequest(id: string): Promise<PaymentRequest> {
    return this.putRequest(await this.api.get<PaymentRequest>(`/v1/requests/${encodeURIComponent(id)}`));
  }
}
