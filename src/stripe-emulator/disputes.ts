import { type Context, Hono } from "hono";
import type { TestCard } from "./catalog";
import { type Form, metadataOf, obj } from "./form";
import * as o from "./objects";
import { invalid, missing, retrieve } from "./responses";
import type { EmulatorEnv, EmulatorStore, Stored } from "./store";

/** Opens a dispute on a charge just made with the dispute test card, as Stripe's test mode does: the funds are withdrawn at once. */
export const openDispute = (store: EmulatorStore, charge: Stored, card: TestCard) => {
  charge.disputed = true;
  const d = store.put(
    o.dispute({
      id: o.stripeId("dp"),
      created: store.now(),
      amount: charge.amount as number,
      currency: charge.currency as string,
      charge: charge.id,
      paymentIntent: charge.payment_intent as string,
      card,
    }),
  );
  store.emit("charge.dispute.created", d);
  store.emit("charge.dispute.funds_withdrawn", d);
};

const OPEN = new Set(["warning_needs_response", "needs_response", "under_review", "warning_under_review"]);

/**
 * Test-mode evidence decides the outcome at once, as Stripe documents: `winning_evidence` in
 * `uncategorized_text` wins (the funds are reinstated), `losing_evidence` loses; any other
 * evidence puts the dispute under review.
 */
const outcomeOf = (form: Form): "won" | "lost" | "under_review" => {
  const text = obj(form, "evidence").uncategorized_text;
  if (text === "winning_evidence") return "won";
  if (text === "losing_evidence") return "lost";
  return "under_review";
};

/** Disputes: opened by charges on the dispute test card; answered with evidence, or accepted (closed, lost). */
export function disputeRoutes(store: EmulatorStore) {
  const app = new Hono<EmulatorEnv>();
  const settle = (d: Stored, status: "won" | "lost" | "under_review") => {
    d.status = status;
    if (status === "under_review") {
      store.emit("charge.dispute.updated", d);
      return;
    }
    store.emit("charge.dispute.closed", d);
    if (status === "won") store.emit("charge.dispute.funds_reinstated", d);
  };
  /** The dispute named in the path, while it can still be answered; else Stripe's error. */
  const open = (c: Context<EmulatorEnv, "/v1/disputes/:id">) => {
    const d = store.get(c.req.param("id"), "dispute");
    if (!d) return missing(c, c.req.param("id"));
    if (!OPEN.has(d.status as string)) return invalid(c, `This dispute is already closed (${d.status}).`);
    return d;
  };
  app.get("/v1/disputes/:id", retrieve(store, "dispute"));
  app.post("/v1/disputes/:id", (c) => {
    const d = open(c);
    if (d instanceof Response) return d;
    const form = c.get("form");
    d.metadata = metadataOf(form, d.metadata as Record<string, string>);
    if (form.evidence !== undefined) {
      d.evidence_details = { ...(d.evidence_details as object), has_evidence: true, submission_count: 1 };
      settle(d, outcomeOf(form));
    }
    return c.json(d);
  });
  app.post("/v1/disputes/:id/close", (c) => {
    const d = open(c);
    if (d instanceof Response) return d;
    settle(d, "lost");
    return c.json(d);
  });
  return app;
}
