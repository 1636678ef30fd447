import { createRoute, z } from "@hono/zod-openapi";
import { BANK_SCOPES } from "../../../db/schema";
import { PageQuery } from "../../http/pagination";
import { bearerSecurity, createRouter, IdempotencyKeyHeader, json, problemResponses } from "../../http/router";
import { toConfirmationChallengeDto } from "../confirmation";
import { answerAlert } from "./answer-alert";
import {
  AccessLogPage,
  AnswerAlertBody,
  Balance,
  BalanceChallenge,
  BankAlert,
  BankAlertList,
  BankLink,
  BankLinkList,
  BankLinkParams,
  BankPartnerList,
  BankPartnerParams,
  CompleteBankLinkBody,
  RelayBody,
  Relayed,
  StartBankLinkBody,
  StartedBankLink,
  SteppedUp,
  StepUpBody,
  toBankAlertDto,
  toBankLinkDto,
} from "./banks.schemas";
import { completeLink } from "./complete-link";
import { endLink } from "./end-link";
import { bankNameOf } from "./partners";
import { getLink, listAlerts, listLinks, readAccessLog } from "./read-links";
import { receiveBankWebhook } from "./receive-bank-webhook";
import { reconfirmLink } from "./reconfirm-link";
import { relayMessage } from "./relay-message";
import { requireLink } from "./require-link";
import { beginBalanceStepUp, showBalance, stepUpForBalance } from "./show-balance";
import { startLink } from "./start-link";

const tags = ["Banks"];

/** The path banks post their events to, one per partner. */
export const BANK_WEBHOOK_PATH = /^\/v1\/banks\/[a-z0-9-]{2,32}\/webhook$/;

const partners = createRoute({
  method: "get",
  path: "/v1/bank-partners",
  tags,
  operationId: "listBankPartners",
  summary: "Banks you can link, and the scopes each can be asked for",
  security: bearerSecurity,
  responses: { 200: { description: "The banks", content: json(BankPartnerList) } },
});

const start = createRoute({
  method: "post",
  path: "/v1/bank-links",
  tags,
  operationId: "startBankLink",
  summary: "Start linking a bank: the consent text to show, and the bank's authorization URL (OAuth 2.0 + PKCE)",
  security: bearerSecurity,
  request: { headers: IdempotencyKeyHeader, body: { required: true, content: json(StartBankLinkBody) } },
  responses: {
    201: { description: "Pending until the bank sends the person back", content: json(StartedBankLink) },
    ...problemResponses(404, 503),
  },
});

const complete = createRoute({
  method: "post",
  path: "/v1/bank-links/callback",
  tags,
  operationId: "completeBankLink",
  summary: "Finish linking with the bank's answer (the state and code, or the error, from the redirect)",
  security: bearerSecurity,
  request: { headers: IdempotencyKeyHeader, body: { required: true, content: json(CompleteBankLinkBody) } },
  responses: {
    200: { description: "Linked; the bank's thread is in your chat list", content: json(BankLink) },
    ...problemResponses(404, 422, 429, 503),
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/bank-links",
  tags,
  operationId: "listBankLinks",
  summary: "Your bank links and their consent records (active and ended), newest first",
  security: bearerSecurity,
  responses: { 200: { description: "Links", content: json(BankLinkList) } },
});

const get = createRoute({
  method: "get",
  path: "/v1/bank-links/{id}",
  tags,
  operationId: "getBankLink",
  summary: "One of your bank links with its consent record",
  security: bearerSecurity,
  request: { params: BankLinkParams },
  responses: { 200: { description: "The link", content: json(BankLink) }, ...problemResponses(404) },
});

const unlink = createRoute({
  method: "delete",
  path: "/v1/bank-links/{id}",
  tags,
  operationId: "unlinkBank",
  summary: "Unlink: the bank is told to revoke its tokens, and everything the link holds is deleted now",
  security: bearerSecurity,
  request: { params: BankLinkParams },
  responses: {
    200: {
      description: "The consent record, ended (unlinking an ended link returns it as it is)",
      content: json(BankLink),
    },
    ...problemResponses(404),
  },
});

const reconfirm = createRoute({
  method: "post",
  path: "/v1/bank-links/{id}/reconfirm",
  tags,
  operationId: "reconfirmBankLink",
  summary: "Renew your consent for another full period before it expires",
  security: bearerSecurity,
  request: { params: BankLinkParams, headers: IdempotencyKeyHeader },
  responses: { 200: { description: "The renewed link", content: json(BankLink) }, ...problemResponses(404, 409) },
});

const balanceChallenge = createRoute({
  method: "post",
  path: "/v1/bank-links/{id}/balance/challenge",
  tags,
  operationId: "beginBankBalanceStepUp",
  summary: "Ask to see the balance: a challenge (PIN or passkey) bound to this link and this request",
  security: bearerSecurity,
  request: { params: BankLinkParams, headers: IdempotencyKeyHeader },
  responses: {
    201: { description: "Answer it at .../balance/step-up", content: json(BalanceChallenge) },
    ...problemResponses(403, 404, 409, 429),
  },
});

const stepUp = createRoute({
  method: "post",
  path: "/v1/bank-links/{id}/balance/step-up",
  tags,
  operationId: "stepUpForBankBalance",
  summary: "Answer the balance challenge; the balance can then be read until the idle period passes",
  security: bearerSecurity,
  request: {
    params: BankLinkParams,
    headers: IdempotencyKeyHeader,
    body: { required: true, content: json(StepUpBody) },
  },
  responses: {
    200: { description: "Stepped up", content: json(SteppedUp) },
    ...problemResponses(403, 404, 409, 422, 423, 429),
  },
});

const balance = createRoute({
  method: "get",
  path: "/v1/bank-links/{id}/balance",
  tags,
  operationId: "showBankBalance",
  summary: "The balance, read live from the bank after a step-up; never stored, cached or logged",
  security: bearerSecurity,
  request: { params: BankLinkParams },
  responses: {
    200: { description: "Balances (Cache-Control: no-store)", content: json(Balance) },
    ...problemResponses(403, 404, 409, 429, 503),
  },
});

const alerts = createRoute({
  method: "get",
  path: "/v1/bank-links/{id}/alerts",
  tags,
  operationId: "listBankAlerts",
  summary: "The link's fraud alerts (each points at its message in the thread)",
  security: bearerSecurity,
  request: { params: BankLinkParams },
  responses: { 200: { description: "Alerts", content: json(BankAlertList) }, ...problemResponses(404) },
});

const answer = createRoute({
  method: "post",
  path: "/v1/bank-links/{id}/alert-answers",
  tags,
  operationId: "answerBankAlert",
  summary: "Answer a fraud alert (it_was_me / not_me); relayed to the bank, whose outcome comes back as a message",
  security: bearerSecurity,
  request: {
    params: BankLinkParams,
    headers: IdempotencyKeyHeader,
    body: { required: true, content: json(AnswerAlertBody) },
  },
  responses: {
    200: { description: "The alert, answered", content: json(BankAlert) },
    ...problemResponses(403, 404, 409),
  },
});

const relay = createRoute({
  method: "post",
  path: "/v1/bank-links/{id}/messages",
  tags,
  operationId: "messageBank",
  summary: "Write to the bank in its thread (relayed while the link is active; its replies come back as messages)",
  security: bearerSecurity,
  request: {
    params: BankLinkParams,
    headers: IdempotencyKeyHeader,
    body: { required: true, content: json(RelayBody) },
  },
  responses: { 202: { description: "Posted and on its way", content: json(Relayed) }, ...problemResponses(404, 409) },
});

const accessLog = createRoute({
  method: "get",
  path: "/v1/me/bank-access-log",
  tags,
  operationId: "listBankAccessLog",
  summary: "Every read of your bank data and every deletion of it, newest first",
  security: bearerSecurity,
  request: { query: PageQuery },
  responses: { 200: { description: "A page of the log", content: json(AccessLogPage) } },
});

const webhook = createRoute({
  method: "post",
  path: "/v1/banks/{partner}/webhook",
  tags,
  operationId: "receiveBankEvent",
  summary: "A bank partner's webhook endpoint (signed with Bank-Signature over the raw body; no bearer token)",
  security: [],
  request: {
    params: BankPartnerParams,
    headers: z.object({ "bank-signature": z.string().max(2048).optional() }),
    body: { required: true, content: json(z.looseObject({})) },
  },
  responses: {
    200: {
      description: "Accepted (a duplicate delivery is accepted and ignored)",
      content: json(z.object({ received: z.literal(true), duplicate: z.boolean() })),
    },
    ...problemResponses(400, 403, 404, 409),
  },
});

export const banksRoutes = createRouter()
  .openapi(partners, (c) =>
    c.json(
      {
        items: c.get("deps").config.banks.partners.map((p) => ({ id: p.id, name: p.name, scopes: [...BANK_SCOPES] })),
      },
      200,
    ),
  )
  .openapi(start, async (c) => {
    const body = c.req.valid("json");
    const deps = c.get("deps");
    const started = await startLink(deps, { userId: c.get("userId"), partnerId: body.partner_id, scopes: body.scopes });
    return c.json(
      {
        link: toBankLinkDto(started.link, bankNameOf(deps, started.link)),
        authorization_url: started.authorizationUrl,
      },
      201,
    );
  })
  .openapi(complete, async (c) => {
    const body = c.req.valid("json");
    const deps = c.get("deps");
    const link = await completeLink(deps, {
      userId: c.get("userId"),
      state: body.state,
      code: body.code,
      error: body.error,
    });
    return c.json(toBankLinkDto(link, bankNameOf(deps, link)), 200);
  })
  .openapi(list, async (c) => {
    const deps = c.get("deps");
    const links = await listLinks(deps, c.get("userId"));
    return c.json({ items: links.map((link) => toBankLinkDto(link, bankNameOf(deps, link))) }, 200);
  })
  .openapi(get, async (c) => {
    const deps = c.get("deps");
    const link = await getLink(deps, { userId: c.get("userId"), linkId: c.req.valid("param").id });
    return c.json(toBankLinkDto(link, bankNameOf(deps, link)), 200);
  })
  .openapi(unlink, async (c) => {
    const deps = c.get("deps");
    const owned = await requireLink(deps.db, c.req.valid("param").id, c.get("userId"));
    const link = (await endLink(deps, { linkId: owned.id, by: "person" })) ?? owned;
    return c.json(toBankLinkDto(link, bankNameOf(deps, link)), 200);
  })
  .openapi(reconfirm, async (c) => {
    const deps = c.get("deps");
    const link = await reconfirmLink(deps, { userId: c.get("userId"), linkId: c.req.valid("param").id });
    return c.json(toBankLinkDto(link, bankNameOf(deps, link)), 200);
  })
  .openapi(balanceChallenge, async (c) => {
    const begun = await beginBalanceStepUp(c.get("deps"), { userId: c.get("userId"), linkId: c.req.valid("param").id });
    return c.json({ request_id: begun.requestId, challenge: toConfirmationChallengeDto(begun.issued) }, 201);
  })
  .openapi(stepUp, async (c) => {
    const body = c.req.valid("json");
    const until = await stepUpForBalance(c.get("deps"), {
      userId: c.get("userId"),
      linkId: c.req.valid("param").id,
      requestId: body.request_id,
      challengeId: body.challenge_id,
      method: body.method,
      response: body.response,
    });
    return c.json({ stepped_up_until: until.toISOString() }, 200);
  })
  .openapi(balance, async (c) => {
    const shown = await showBalance(c.get("deps"), { userId: c.get("userId"), linkId: c.req.valid("param").id });
    c.header("Cache-Control", "no-store");
    return c.json(shown, 200);
  })
  .openapi(alerts, async (c) => {
    const items = await listAlerts(c.get("deps"), { userId: c.get("userId"), linkId: c.req.valid("param").id });
    return c.json({ items: items.map(toBankAlertDto) }, 200);
  })
  .openapi(answer, async (c) => {
    const body = c.req.valid("json");
    const alert = await answerAlert(c.get("deps"), {
      userId: c.get("userId"),
      linkId: c.req.valid("param").id,
      alertId: body.alert_id,
      answer: body.answer,
    });
    return c.json(toBankAlertDto(alert), 200);
  })
  .openapi(relay, async (c) => {
    const relayed = await relayMessage(c.get("deps"), {
      userId: c.get("userId"),
      linkId: c.req.valid("param").id,
      body: c.req.valid("json").body,
    });
    return c.json({ message_id: relayed.messageId, status: relayed.status }, 202);
  })
  .openapi(accessLog, async (c) => {
    const query = c.req.valid("query");
    const result = await readAccessLog(c.get("deps"), {
      userId: c.get("userId"),
      cursor: query.cursor,
      limit: query.limit,
    });
    return c.json(
      {
        items: result.items.map((row) => ({
          id: row.id.toString(),
          link_id: row.link_id,
          action: row.action,
          detail: row.detail,
          created_at: row.created_at.toISOString(),
        })),
        next_cursor: result.next_cursor,
      },
      200,
    );
  })
  .openapi(webhook, async (c) => {
    const result = await receiveBankWebhook(c.get("deps"), {
      partnerId: c.req.valid("param").partner,
      payload: await c.req.text(),
      signature: c.req.header("Bank-Signature"),
    });
    return c.json({ received: true as const, duplicate: result.duplicate }, 200);
  });
