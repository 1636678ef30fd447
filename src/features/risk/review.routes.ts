import { createRoute } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../http/app-env";
import { decodeCursor } from "../../http/pagination";
import { problem } from "../../http/problem";
import { bearerSecurity, createRouter, IdempotencyKeyHeader, json, problemResponses } from "../../http/router";
import { Payment, toPaymentDto } from "../payments";
import { cancelHeld, releaseHeld, resolveReport, setPersonRisk } from "./operator-actions";
import { listHeldCases, listReportCases } from "./review-cases";
import {
  HeldCasePage,
  OperatorDecisionBody,
  PageQuery,
  PaymentParams,
  PersonParams,
  PersonRisk,
  PersonRiskBody,
  Report,
  ReportCasePage,
  ReportParams,
  ReportsQuery,
  ResolveReportBody,
  toReportDto,
} from "./risk.schemas";

const PREFIX = "/v1/risk";
const tags = ["Review (operators)"];
const description = "Operators only (the RISK_OPERATOR_ROLE in the token's roles); anyone else: 404";

/**
 * Anyone without the operator role finds no such routes: the same 404 as any path that does not
 * exist (answered, not thrown, so a wrong method still gets its 405 like everywhere else).
 */
const requireOperator: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get("roles").includes(c.get("deps").config.risk.operatorRole)) {
    return problem(c, "ROUTE_NOT_FOUND", { detail: `No route for ${c.req.method} ${c.req.path}` });
  }
  await next();
};

const held = createRoute({
  method: "get",
  path: `${PREFIX}/held-payments`,
  tags,
  description,
  operationId: "listHeldPayments",
  summary: "Held payments (delayed or in review) with their decisions' reasons",
  security: bearerSecurity,
  request: { query: PageQuery },
  responses: { 200: { description: "A page of cases", content: json(HeldCasePage) }, ...problemResponses(404) },
});

const reports = createRoute({
  method: "get",
  path: `${PREFIX}/reports`,
  tags,
  description,
  operationId: "listReports",
  summary: "Reports by state (open by default)",
  security: bearerSecurity,
  request: { query: ReportsQuery },
  responses: { 200: { description: "A page of reports", content: json(ReportCasePage) }, ...problemResponses(404) },
});

const decide = (verb: "release" | "cancel", summary: string) =>
  createRoute({
    method: "post",
    path: `${PREFIX}/held-payments/{id}/${verb}`,
    tags,
    description,
    operationId: `${verb}HeldPayment`,
    summary,
    security: bearerSecurity,
    request: {
      params: PaymentParams,
      headers: IdempotencyKeyHeader,
      body: { required: true, content: json(OperatorDecisionBody) },
    },
    responses: {
      200: { description: "The payment as its sender sees it", content: json(Payment) },
      ...problemResponses(404, 409),
    },
  });
const release = decide("release", "Release a held payment to its recipient (audited with your reason)");
const cancel = decide("cancel", "Cancel a held payment: the money goes back to its sender (audited with your reason)");

const resolve = createRoute({
  method: "post",
  path: `${PREFIX}/reports/{id}/resolve`,
  tags,
  description,
  operationId: "resolveReport",
  summary: "Uphold or dismiss a report (audited with your reason)",
  security: bearerSecurity,
  request: {
    params: ReportParams,
    headers: IdempotencyKeyHeader,
    body: { required: true, content: json(ResolveReportBody) },
  },
  responses: { 200: { description: "The report", content: json(Report) }, ...problemResponses(404, 409) },
});

const person = createRoute({
  method: "put",
  path: `${PREFIX}/people/{id}`,
  tags,
  description,
  operationId: "setPersonRisk",
  summary: "Set a person's verification tier, or impose or lift a limit (audited with your reason)",
  security: bearerSecurity,
  request: { params: PersonParams, body: { required: true, content: json(PersonRiskBody) } },
  responses: {
    200: { description: "The person's tier and limit", content: json(PersonRisk) },
    ...problemResponses(404),
  },
});

/** The operators' review: held payments and reports, and decisions on them, each audited. */
export const reviewRoutes = createRouter();
reviewRoutes.use(`${PREFIX}/*`, requireOperator);
reviewRoutes
  .openapi(held, async (c) => {
    const query = c.req.valid("query");
    return c.json(
      await listHeldCases(c.get("deps"), { beforeSeq: decodeCursor(query.cursor), limit: query.limit }),
      200,
    );
  })
  .openapi(reports, async (c) => {
    const query = c.req.valid("query");
    return c.json(
      await listReportCases(c.get("deps"), {
        status: query.status,
        beforeSeq: decodeCursor(query.cursor),
        limit: query.limit,
      }),
      200,
    );
  })
  .openapi(release, async (c) => {
    const payment = await releaseHeld(c.get("deps"), {
      operatorId: c.get("userId"),
      paymentId: c.req.valid("param").id,
      reason: c.req.valid("json").reason,
    });
    return c.json(toPaymentDto(payment, payment.sender_id), 200);
  })
  .openapi(cancel, async (c) => {
    const payment = await cancelHeld(c.get("deps"), {
      operatorId: c.get("userId"),
      paymentId: c.req.valid("param").id,
      reason: c.req.valid("json").reason,
    });
    return c.json(toPaymentDto(payment, payment.sender_id), 200);
  })
  .openapi(resolve, async (c) => {
    const body = c.req.valid("json");
    const report = await resolveReport(c.get("deps"), {
      operatorId: c.get("userId"),
      reportId: c.req.valid("param").id,
      outcome: body.outcome,
      reason: body.reason,
    });
    return c.json(toReportDto(report), 200);
  })
  .openapi(person, async (c) => {
    const body = c.req.valid("json");
    const profile = await setPersonRisk(c.get("deps"), {
      operatorId: c.get("userId"),
      userId: c.req.valid("param").id,
      tier: body.tier,
      limited: body.limited,
      reason: body.reason,
    });
    return c.json(profile, 200);
  });
