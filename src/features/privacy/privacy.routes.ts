import { createRoute, z } from "@hono/zod-openapi";
import { routeKeepingItsKey } from "../../http/idempotency";
import {
  bearerSecurity,
  createRouter,
  IdempotencyKeyHeader,
  idempotencyKey,
  json,
  problemResponses,
} from "../../http/router";
import { ConfirmBody, toConfirmationChallengeDto } from "../confirmation";
import { closeAccount, reasonsNotToClose } from "./close-account";
import { CONSENT_PURPOSE_NAMES, CONSENT_PURPOSES, grantConsent, listMyConsents, withdrawMyConsent } from "./consents";
import { beginExport, produceExport } from "./export-data";
import {
  AccountClosed,
  ClosureCheck,
  Consent,
  ConsentList,
  ConsentParams,
  ExportArchive,
  ExportParams,
  ExportStarted,
  GrantConsentBody,
  PrivacySettings,
  toConsentDto,
  UpdatePrivacySettingsBody,
} from "./privacy.schemas";
import { getPrivacySettings, updatePrivacySettings } from "./privacy-settings";

const tags = ["Privacy"];

const getSettings = createRoute({
  method: "get",
  path: "/v1/me/privacy",
  tags,
  operationId: "getPrivacySettings",
  summary: "Who may ask you for money and who may start a thread with you",
  security: bearerSecurity,
  responses: { 200: { description: "Your choices (everyone, until you choose)", content: json(PrivacySettings) } },
});

const putSettings = createRoute({
  method: "put",
  path: "/v1/me/privacy",
  tags,
  operationId: "updatePrivacySettings",
  summary: "Choose who may ask you for money and who may start a thread with you",
  security: bearerSecurity,
  request: { body: { required: true, content: json(UpdatePrivacySettingsBody) } },
  responses: { 200: { description: "Your choices", content: json(PrivacySettings) } },
});

const listConsents = createRoute({
  method: "get",
  path: "/v1/me/consents",
  tags,
  operationId: "listConsents",
  summary: "What you can agree to, what you stand by, and every agreement and withdrawal",
  security: bearerSecurity,
  responses: { 200: { description: "Your consents", content: json(ConsentList) } },
});

const grant = createRoute({
  method: "post",
  path: "/v1/me/consents",
  tags,
  operationId: "grantConsent",
  summary: "Agree to a purpose (the terms: at their current version)",
  security: bearerSecurity,
  request: { headers: IdempotencyKeyHeader, body: { required: true, content: json(GrantConsentBody) } },
  responses: {
    200: { description: "You already stood by it", content: json(Consent) },
    201: { description: "Recorded", content: json(Consent) },
    ...problemResponses(422),
  },
});

const withdraw = createRoute({
  method: "post",
  path: "/v1/me/consents/{purpose}/withdraw",
  tags,
  operationId: "withdrawConsent",
  summary: "Withdraw your agreement; what needs it is refused from now on",
  security: bearerSecurity,
  request: { params: ConsentParams, headers: IdempotencyKeyHeader },
  responses: { 200: { description: "Withdrawn", content: json(Consent) }, ...problemResponses(404) },
});

const startExport = createRoute({
  method: "post",
  path: "/v1/me/exports",
  tags,
  operationId: "startExport",
  summary: "Ask for everything we hold about you: confirm with your PIN or passkey to download it",
  security: bearerSecurity,
  request: { headers: IdempotencyKeyHeader },
  responses: {
    201: { description: "Confirm to download", content: json(ExportStarted) },
    ...problemResponses(409, 429),
  },
});

const download = createRoute({
  method: "post",
  path: "/v1/me/exports/{id}/download",
  tags,
  operationId: "downloadExport",
  summary: "Confirm and download your export, once (it is not kept)",
  security: bearerSecurity,
  request: {
    params: ExportParams,
    headers: z.object({
      "idempotency-key": idempotencyKey.openapi({
        description: "Accepted, but nothing is kept under it: the export is answered once and stored nowhere",
      }),
    }),
    body: { required: true, content: json(ConfirmBody) },
  },
  responses: {
    200: { description: "Everything we hold about you, and a CSV statement", content: json(ExportArchive) },
    ...problemResponses(404, 409, 422, 423, 429),
  },
});

const checkClosure = createRoute({
  method: "get",
  path: "/v1/me/closure",
  tags,
  operationId: "checkClosure",
  summary: "Whether your account can be closed now, and what stands in the way",
  security: bearerSecurity,
  responses: { 200: { description: "What closing needs", content: json(ClosureCheck) } },
});

const close = createRoute({
  method: "post",
  path: "/v1/me/closure",
  tags,
  operationId: "closeAccount",
  summary: "Close your account: your data is deleted, payments kept pseudonymised for the retention period",
  security: bearerSecurity,
  request: {
    headers: IdempotencyKeyHeader,
    body: {
      required: true,
      content: json(
        z
          .strictObject({ confirm: z.literal("close my account") })
          .openapi("CloseAccountRequest", { description: "Say it, so no stray request closes an account" }),
      ),
    },
  },
  responses: {
    200: { description: "Closed (or already closed)", content: json(AccountClosed) },
    ...problemResponses(409),
  },
});

/** Routes the idempotency middleware leaves alone: an export's answer is never stored, under a key or anywhere. */
export const PRIVACY_ROUTES_KEEPING_NO_KEYS = [routeKeepingItsKey(download)];

export const privacyRoutes = createRouter()
  .openapi(getSettings, async (c) => {
    const settings = await getPrivacySettings(c.get("deps"), c.get("userId"));
    return c.json(
      {
        requests_from: settings.requests_from,
        threads_from: settings.threads_from,
        updated_at: settings.updated_at?.toISOString() ?? null,
      },
      200,
    );
  })
  .openapi(putSettings, async (c) => {
    const body = c.req.valid("json");
    const settings = await updatePrivacySettings(c.get("deps"), {
      userId: c.get("userId"),
      requestsFrom: body.requests_from,
      threadsFrom: body.threads_from,
    });
    return c.json(
      {
        requests_from: settings.requests_from,
        threads_from: settings.threads_from,
        updated_at: settings.updated_at.toISOString(),
      },
      200,
    );
  })
  .openapi(listConsents, async (c) => {
    const { items, bankLinks } = await listMyConsents(c.get("deps"), c.get("userId"));
    const current = c.get("deps").config.privacy.termsVersion;
    const standing = (purpose: string) =>
      items.some(
        (i) => i.purpose === purpose && i.withdrawn_at === null && (purpose !== "terms" || i.version === current),
      );
    return c.json(
      {
        current_terms_version: current,
        purposes: CONSENT_PURPOSE_NAMES.map((purpose) => ({
          purpose,
          description: CONSENT_PURPOSES[purpose],
          standing: standing(purpose),
        })),
        items: items.map(toConsentDto),
        bank_links: bankLinks.map((link) => ({
          link_id: link.id,
          partner_id: link.partner_id,
          scopes: link.scopes,
          purpose: link.purpose,
          granted_at: link.granted_at.toISOString(),
          expires_at: link.expires_at?.toISOString() ?? null,
          ended_at: link.ended_at?.toISOString() ?? null,
        })),
      },
      200,
    );
  })
  .openapi(grant, async (c) => {
    const body = c.req.valid("json");
    const result = await grantConsent(c.get("deps"), {
      userId: c.get("userId"),
      purpose: body.purpose,
      version: body.version,
    });
    return c.json(toConsentDto(result.consent), result.created ? 201 : 200);
  })
  .openapi(withdraw, async (c) => {
    const consent = await withdrawMyConsent(c.get("deps"), {
      userId: c.get("userId"),
      purpose: c.req.valid("param").purpose,
    });
    return c.json(toConsentDto(consent), 200);
  })
  .openapi(startExport, async (c) => {
    const started = await beginExport(c.get("deps"), c.get("userId"));
    return c.json({ export_id: started.exportId, confirmation: toConfirmationChallengeDto(started.confirmation) }, 201);
  })
  .openapi(download, async (c) => {
    const body = c.req.valid("json");
    const archive = await produceExport(c.get("deps"), {
      userId: c.get("userId"),
      exportId: c.req.valid("param").id,
      challengeId: body.challenge_id,
      method: body.method,
      response: body.response,
    });
    c.header("Cache-Control", "no-store");
    c.header("Content-Disposition", 'attachment; filename="chat-pay-export.json"');
    return c.json(archive, 200);
  })
  .openapi(checkClosure, async (c) => {
    const reasons = await reasonsNotToClose(c.get("deps"), c.get("userId"));
    return c.json(
      { closable: reasons.length === 0, reasons: reasons.map((r) => ({ code: r.path, message: r.message })) },
      200,
    );
  })
  .openapi(close, async (c) => {
    const closed = await closeAccount(c.get("deps"), c.get("userId"));
    c.set("accountClosed", true);
    return c.json({ closed_at: closed.closedAt.toISOString() }, 200);
  });
