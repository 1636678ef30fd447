import { createRoute, z } from "@hono/zod-openapi";
import { keepInTransaction, routeKeepingItsKey } from "../../http/idempotency";
import { bearerSecurity, createRouter, IdempotencyKeyHeader, json, problemResponses } from "../../http/router";
import { ConfirmationChallenge, toConfirmationChallengeDto } from "../confirmation";
import { Payment, RequiredIdempotencyKeyHeader, ThreadPaymentParams, toPaymentDto } from "../payments";
import { cancelRequest, declineRequest, getRequest, payRequest } from "./answer-request";
import { createRequest } from "./create-request";
import { listShares } from "./requests.repository";
import { CreateRequestBody, Request, RequestParams, toRequestDto } from "./requests.schemas";

const PaidShare = z
  .object({ payment: Payment, confirmation: ConfirmationChallenge.nullable() })
  .openapi("RequestPayment");

const create = createRoute({
  method: "post",
  path: "/v1/threads/{id}/requests",
  tags: ["Requests"],
  operationId: "createRequest",
  summary: "Ask for money: one person, or split across a group",
  security: bearerSecurity,
  request: {
    params: ThreadPaymentParams,
    headers: IdempotencyKeyHeader,
    body: { required: true, content: json(CreateRequestBody) },
  },
  responses: {
    201: { description: "Request created", content: json(Request) },
    ...problemResponses(403, 404, 422),
  },
});

const get = createRoute({
  method: "get",
  path: "/v1/requests/{id}",
  tags: ["Requests"],
  operationId: "getRequest",
  summary: "A request in one of your threads, with who has paid",
  security: bearerSecurity,
  request: { params: RequestParams },
  responses: { 200: { description: "The request", content: json(Request) }, ...problemResponses(404) },
});

const pay = createRoute({
  method: "post",
  path: "/v1/requests/{id}/pay",
  tags: ["Requests"],
  operationId: "payRequest",
  summary: "Pay your share (a payment to confirm like any other)",
  security: bearerSecurity,
  request: { params: RequestParams, headers: RequiredIdempotencyKeyHeader },
  responses: {
    200: { description: "This Idempotency-Key already paid it", content: json(PaidShare) },
    201: { description: "Payment created", content: json(PaidShare) },
    ...problemResponses(400, 403, 404, 409, 422, 429),
  },
});

const decline = createRoute({
  method: "post",
  path: "/v1/requests/{id}/decline",
  tags: ["Requests"],
  operationId: "declineRequest",
  summary: "Decline your share",
  security: bearerSecurity,
  request: { params: RequestParams, headers: IdempotencyKeyHeader },
  responses: { 200: { description: "The request", content: json(Request) }, ...problemResponses(404, 409) },
});

const cancel = createRoute({
  method: "post",
  path: "/v1/requests/{id}/cancel",
  tags: ["Requests"],
  operationId: "cancelRequest",
  summary: "Author: withdraw the request",
  security: bearerSecurity,
  request: { params: RequestParams, headers: IdempotencyKeyHeader },
  responses: { 200: { description: "The request", content: json(Request) }, ...problemResponses(404, 409) },
});

/** Routes whose verb keeps the Idempotency-Key in its own transaction (see keepInTransaction). */
export const REQUEST_ROUTES_KEEPING_KEYS = [routeKeepingItsKey(pay)];

export const requestsRoutes = createRouter()
  .openapi(create, async (c) => {
    const body = c.req.valid("json");
    const { request, shares } = await createRequest(c.get("deps"), {
      authorId: c.get("userId"),
      threadId: c.req.valid("param").id,
      amountMinor: BigInt(body.amount_minor),
      currency: body.currency,
      memo: body.memo,
      payerIds: body.payer_ids,
      shares: body.shares?.map((s) => ({ payerId: s.payer_id, amountMinor: BigInt(s.amount_minor) })),
      includeSelf: body.include_self,
    });
    return c.json(toRequestDto(request, shares), 201);
  })
  .openapi(get, async (c) => {
    const { request, shares } = await getRequest(c.get("deps"), {
      userId: c.get("userId"),
      requestId: c.req.valid("param").id,
    });
    return c.json(toRequestDto(request, shares), 200);
  })
  .openapi(pay, async (c) => {
    const userId = c.get("userId");
    // One transaction: the Idempotency-Key, the share, the payment, its message and its challenge.
    return keepInTransaction(c, async (trx) => {
      const result = await payRequest(
        { ...c.get("deps"), db: trx },
        { userId, requestId: c.req.valid("param").id, idempotencyKey: c.req.header("Idempotency-Key") },
      );
      const confirmation = result.confirmation ? toConfirmationChallengeDto(result.confirmation) : null;
      return {
        status: result.created ? 201 : 200,
        body: { payment: toPaymentDto(result.payment, userId), confirmation },
      };
    });
  })
  .openapi(decline, async (c) => {
    const request = await declineRequest(c.get("deps"), {
      userId: c.get("userId"),
      requestId: c.req.valid("param").id,
    });
    return c.json(toRequestDto(request, await listShares(c.get("deps").db, request.id)), 200);
  })
  .openapi(cancel, async (c) => {
    const request = await cancelRequest(c.get("deps"), { userId: c.get("userId"), requestId: c.req.valid("param").id });
    return c.json(toRequestDto(request, await listShares(c.get("deps").db, request.id)), 200);
  });
