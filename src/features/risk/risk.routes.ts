import { createRoute } from "@hono/zod-openapi";
import { bearerSecurity, createRouter, IdempotencyKeyHeader, json, problemResponses } from "../../http/router";
import { reportPayment, reportPerson } from "./file-report";
import { PaymentParams, PaymentReportBody, PersonParams, PersonReportBody, Report, toReportDto } from "./risk.schemas";

const reportPaymentRoute = createRoute({
  method: "post",
  path: "/v1/payments/{id}/reports",
  tags: ["Safety"],
  operationId: "reportPayment",
  summary: "Report a payment you sent or received: a scam, a mistake (send it back), or not made by you",
  security: bearerSecurity,
  request: {
    params: PaymentParams,
    headers: IdempotencyKeyHeader,
    body: { required: true, content: json(PaymentReportBody) },
  },
  responses: {
    201: { description: "Reported (the same report again changes nothing)", content: json(Report) },
    ...problemResponses(403, 404, 422),
  },
});

const reportPersonRoute = createRoute({
  method: "post",
  path: "/v1/people/{id}/reports",
  tags: ["Safety"],
  operationId: "reportPerson",
  summary: "Report someone you share a thread with (a scam attempt, abuse)",
  security: bearerSecurity,
  request: {
    params: PersonParams,
    headers: IdempotencyKeyHeader,
    body: { required: true, content: json(PersonReportBody) },
  },
  responses: {
    201: { description: "Reported (the same report again changes nothing)", content: json(Report) },
    ...problemResponses(404, 422),
  },
});

/** What people do about scams and mistakes: report a payment or a person. */
export const riskRoutes = createRouter()
  .openapi(reportPaymentRoute, async (c) => {
    const body = c.req.valid("json");
    const report = await reportPayment(c.get("deps"), {
      userId: c.get("userId"),
      paymentId: c.req.valid("param").id,
      reason: body.reason,
      note: body.note,
    });
    return c.json(toReportDto(report), 201);
  })
  .openapi(reportPersonRoute, async (c) => {
    const body = c.req.valid("json");
    const report = await reportPerson(c.get("deps"), {
      userId: c.get("userId"),
      subjectId: c.req.valid("param").id,
      threadId: body.thread_id,
      reason: body.reason,
      note: body.note,
    });
    return c.json(toReportDto(report), 201);
  });
