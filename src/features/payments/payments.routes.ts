import { createRoute, type z } from "@hono/zod-openapi";
import type { Payment as PaymentRow } from "../../../db/schema";
import type { Deps } from "../../deps";
import { keepInTransaction, keepingTheKey, routeKeepingItsKey } from "../../http/idempotency";
import { decodeCursor } from "../../http/pagination";
import { bearerSecurity, createRouter, IdempotencyKeyHeader, json, problemResponses } from "../../http/router";
import { ConfirmationChallenge, issueConfirmationChallenge, toConfirmationChallengeDto } from "../confirmation";
import { confirmPayment } from "./confirm-payment";
import { confirmableOf } from "./confirmable";
import { createPayment } from "./create-payment";
import {
  ConfirmPaymentBody,
  CreatedPayment,
  CreatePaymentBody,
  Payment,
  PaymentPage,
  PaymentParams,
  PaymentsQuery,
  Receipt,
  RequiredIdempotencyKeyHeader,
  ThreadPaymentParams,
  toPaymentDto,
} from "./payments.schemas";
import { clientSecretFor, getPayment, getReceipt, listPaymentsFor } from "./read-payments";
import { cancelPayment, declinePayment } from "./return-payment";

const send = createRoute({
  method: "post",
  path: "/v1/threads/{id}/payments",
  tags: ["Payments"],
  operationId: "createPayment",
  summary: "Send money to someone in the thread (confirm it next)",
  security: bearerSecurity,
  request: {
    params: ThreadPaymentParams,
    headers: RequiredIdempotencyKeyHeader,
    body: { required: true, content: json(CreatePaymentBody) },
  },
  responses: {
    200: { description: "This Idempotency-Key already made this payment", content: json(CreatedPayment) },
    201: { description: "Payment created; confirm it with one of the methods", content: json(CreatedPayment) },
    ...problemResponses(400, 403, 404, 409, 422, 429),
  },
});

const threadPayments = createRoute({
  method: "get",
  path: "/v1/threads/{id}/payments",
  tags: ["Payments"],
  operationId: "listThreadPayments",
  summary: "Payments in a thread you are in",
  security: bearerSecurity,
  request: { params: ThreadPaymentParams, query: PaymentsQuery.omit({ thread_id: true }) },
  responses: {
    200: { description: "A page of payments", content: json(PaymentPage) },
    ...problemResponses(404),
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/payments",
  tags: ["Payments"],
  operationId: "listPayments",
  summary: "Your payments, newest first",
  security: bearerSecurity,
  request: { query: PaymentsQuery },
  responses: {
    200: { description: "A page of payments", content: json(PaymentPage) },
    ...problemResponses(404),
  },
});

const get = createRoute({
  method: "get",
  path: "/v1/payments/{id}",
  tags: ["Payments"],
  operationId: "getPayment",
  summary: "A payment you sent or received",
  security: bearerSecurity,
  request: { params: PaymentParams },
  responses: { 200: { description: "The payment", content: json(Payment) }, ...problemResponses(404, 503) },
});

const receipt = createRoute({
  method: "get",
  path: "/v1/payments/{id}/receipt",
  tags: ["Payments"],
  operationId: "getPaymentReceipt",
  summary: "A payment's receipt: who, how much, and each step with its time",
  security: bearerSecurity,
  request: { params: PaymentParams },
  responses: { 200: { description: "Receipt", content: json(Receipt) }, ...problemResponses(404) },
});

const challenge = createRoute({
  method: "post",
  path: "/v1/payments/{id}/confirmation",
  tags: ["Payments"],
  operationId: "issuePaymentChallenge",
  summary: "A fresh confirmation challenge and the methods this payment accepts",
  security: bearerSecurity,
  request: { params: PaymentParams, headers: IdempotencyKeyHeader },
  responses: {
    201: { description: "Challenge", content: json(ConfirmationChallenge) },
    ...problemResponses(404, 409, 429),
  },
});

const confirm = createRoute({
  method: "post",
  path: "/v1/payments/{id}/confirm",
  tags: ["Payments"],
  operationId: "confirmPayment",
  summary: "Confirm with a PIN or a passkey; money moves",
  security: bearerSecurity,
  request: {
    params: PaymentParams,
    headers: IdempotencyKeyHeader,
    body: { required: true, content: json(ConfirmPaymentBody) },
  },
  responses: {
    200: { description: "The payment after confirmation", content: json(Payment) },
    ...problemResponses(403, 404, 409, 422, 423, 429, 503),
  },
});

const cancel = createRoute({
  method: "post",
  path: "/v1/payments/{id}/cancel",
  tags: ["Payments"],
  operationId: "cancelPayment",
  summary: "Sender: cancel before confirming, while it is held, or while it waits for the recipient (refunded)",
  security: bearerSecurity,
  request: { params: PaymentParams, headers: IdempotencyKeyHeader },
  responses: { 200: { description: "The payment", content: json(Payment) }, ...problemResponses(404, 409) },
});

const decline = createRoute({
  method: "post",
  path: "/v1/payments/{id}/decline",
  tags: ["Payments"],
  operationId: "declinePayment",
  summary: "Recipient: decline money waiting for you (it goes back)",
  security: bearerSecurity,
  request: { params: PaymentParams, headers: IdempotencyKeyHeader },
  responses: { 200: { description: "The payment", content: json(Payment) }, ...problemResponses(404, 409) },
});

/** A page of the person's payments as they see them. */
async function paymentPage(deps: Pick<Deps, "db">, userId: string, query: z.infer<typeof PaymentsQuery>) {
  const result = await listPaymentsFor(deps, {
    userId,
    direction: query.direction,
    status: query.status,
    threadId: query.thread_id,
    beforeSeq: decodeCursor(query.cursor),
    limit: query.limit,
  });
  return { items: result.items.map((p) => toPaymentDto(p, userId)), next_cursor: result.next_cursor };
}

/** Routes whose verb keeps the Idempotency-Key in its own transaction (see keepInTransaction). */
export const PAYMENT_ROUTES_KEEPING_KEYS = [send, confirm, cancel, decline].map(routeKeepingItsKey);

export const paymentsRoutes = createRouter()
  .openapi(send, async (c) => {
    const body = c.req.valid("json");
    const userId = c.get("userId");
    // One transaction: the Idempotency-Key, the checks, the payment, its message and its challenge.
    return keepInTransaction(c, async (trx) => {
      const result = await createPayment(
        { ...c.get("deps"), db: trx },
        {
          senderId: userId,
          threadId: c.req.valid("param").id,
          recipientId: body.recipient_id,
          amountMinor: BigInt(body.amount_minor),
          currency: body.currency,
          memo: body.memo,
          idempotencyKey: c.req.header("Idempotency-Key"),
        },
      );
      const confirmation = result.confirmation ? toConfirmationChallengeDto(result.confirmation) : null;
      return {
        status: result.created ? 201 : 200,
        body: { payment: toPaymentDto(result.payment, userId), confirmation },
      };
    });
  })
  .openapi(threadPayments, async (c) =>
    c.json(
      await paymentPage(c.get("deps"), c.get("userId"), {
        ...c.req.valid("query"),
        thread_id: c.req.valid("param").id,
      }),
      200,
    ),
  )
  .openapi(list, async (c) => c.json(await paymentPage(c.get("deps"), c.get("userId"), c.req.valid("query")), 200))
  .openapi(get, async (c) => {
    const userId = c.get("userId");
    const payment = await getPayment(c.get("deps"), { userId, paymentId: c.req.valid("param").id });
    return c.json(toPaymentDto(payment, userId, await clientSecretFor(c.get("deps"), payment, userId)), 200);
  })
  .openapi(receipt, async (c) => {
    const userId = c.get("userId");
    const r = await getReceipt(c.get("deps"), { userId, paymentId: c.req.valid("param").id });
    return c.json({ ...r, payment: toPaymentDto(r.payment, userId) }, 200);
  })
  .openapi(challenge, async (c) => {
    const userId = c.get("userId");
    const payment = await getPayment(c.get("deps"), { userId, paymentId: c.req.valid("param").id });
    const issued = await issueConfirmationChallenge(c.get("deps"), { userId, confirmable: confirmableOf(payment) });
    return c.json(toConfirmationChallengeDto(issued), 201);
  })
  .openapi(confirm, async (c) => {
    const userId = c.get("userId");
    const body = c.req.valid("json");
    // The Idempotency-Key, if sent, is kept in the money transaction (see confirmPayment).
    return keepingTheKey(
      c,
      async (payment: PaymentRow) => ({
        status: 200,
        body: toPaymentDto(payment, userId, await clientSecretFor(c.get("deps"), payment, userId)),
      }),
      (key) =>
        confirmPayment(
          c.get("deps"),
          {
            userId,
            paymentId: c.req.valid("param").id,
            challengeId: body.challenge_id,
            method: body.method,
            response: body.response,
            acknowledged: body.acknowledged_warnings ?? [],
          },
          key,
        ),
    );
  })
  .openapi(cancel, async (c) => {
    const userId = c.get("userId");
    return keepingTheKey(c, paymentAnswer(userId), (key) =>
      cancelPayment(c.get("deps"), { userId, paymentId: c.req.valid("param").id }, key),
    );
  })
  .openapi(decline, async (c) => {
    const userId = c.get("userId");
    return keepingTheKey(c, paymentAnswer(userId), (key) =>
      declinePayment(c.get("deps"), { userId, paymentId: c.req.valid("param").id }, key),
    );
  });

/** A payment as its viewer gets it back from a verb (200). */
const paymentAnswer = (userId: string) => async (payment: PaymentRow) => ({
  status: 200 as const,
  body: toPaymentDto(payment, userId),
});
