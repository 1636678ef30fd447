import type { TestCard } from "./catalog";

/**
 * Builders for the objects the emulator returns, with exactly the keys of Stripe's own
 * example objects (`fixtures3.json`), so code written against the emulator meets the same
 * shapes in production. A fidelity test holds them to that.
 */
export type StripeObject = { id: string; object: string; [key: string]: unknown };

const ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Stripe-shaped ids: a prefix and 24 random alphanumerics. */
export function stripeId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `${prefix}_1${Array.from(bytes, (b) => ALPHANUMERIC[b % ALPHANUMERIC.length])
    .join("")
    .slice(1)}`;
}

export const list = (url: string, data: unknown[], hasMore = false) => ({
  object: "list",
  data,
  has_more: hasMore,
  url,
});

const emptyAddress = () => ({ city: null, country: null, line1: null, line2: null, postal_code: null, state: null });

export function customer(input: {
  id: string;
  created: number;
  email: string | null;
  name: string | null;
  metadata: Record<string, string>;
}) {
  return {
    id: input.id,
    object: "customer",
    address: null,
    balance: 0,
    created: input.created,
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: input.email,
    invoice_prefix: input.id.slice(4, 12).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: input.metadata,
    name: input.name,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
}

export function paymentMethod(input: {
  id: string;
  created: number;
  card: TestCard;
  exp: { month: number; year: number };
  customer: string | null;
  metadata: Record<string, string>;
}) {
  return {
    id: input.id,
    object: "payment_method",
    allow_redisplay: "unspecified",
    billing_details: { address: emptyAddress(), email: null, name: null, phone: null, tax_id: null },
    card: {
      brand: input.card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
      country: "US",
      display_brand: input.card.brand,
      exp_month: input.exp.month,
      exp_year: input.exp.year,
      fingerprint: input.card.fingerprint,
      funding: input.card.funding,
      generated_from: null,
      last4: input.card.last4,
      networks: { available: [input.card.brand], preferred: null },
      three_d_secure_usage: { supported: true },
      wallet: null,
      regulated_status: null,
    },
    created: input.created,
    customer: input.customer,
    customer_account: null,
    livemode: false,
    metadata: input.metadata,
    type: "card",
  };
}

export type StripeError = {
  type: "card_error" | "invalid_request_error" | "api_error" | "idempotency_error";
  code?: string;
  decline_code?: string;
  message: string;
  param?: string;
};

const nextAction = (clientSecret: string) => ({
  type: "use_stripe_sdk",
  use_stripe_sdk: { type: "three_d_secure_redirect", stripe_js: `emulator://authenticate/${clientSecret}` },
});

export function setupIntent(input: {
  id: string;
  created: number;
  customer: string | null;
  usage: string;
  status: string;
  paymentMethod: string | null;
  lastError: StripeError | null;
  metadata: Record<string, string>;
}) {
  const clientSecret = `${input.id}_secret_${input.id.slice(5)}`;
  return {
    id: input.id,
    object: "setup_intent",
    application: null,
    automatic_payment_methods: null,
    cancellation_reason: null,
    client_secret: clientSecret,
    created: input.created,
    customer: input.customer,
    description: null,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: input.lastError,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: input.metadata,
    next_action: input.status === "requires_action" ? nextAction(clientSecret) : null,
    on_behalf_of: null,
    payment_method: input.paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: { card: { mandate_options: null, network: null, request_three_d_secure: "automatic" } },
    payment_method_types: ["card"],
    single_use_mandate: null,
    status: input.status,
    usage: input.usage,
  };
}

export function paymentIntent(input: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  customer: string | null;
  paymentMethod: string | null;
  status: string;
  amountReceived: number;
  latestCharge: string | null;
  lastError: StripeError | null;
  canceledAt: number | null;
  description: string | null;
  transferGroup: string | null;
  metadata: Record<string, string>;
}) {
  const clientSecret = `${input.id}_secret_${input.id.slice(3)}`;
  return {
    id: input.id,
    object: "payment_intent",
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: input.amountReceived,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: input.canceledAt,
    cancellation_reason: input.canceledAt ? "requested_by_customer" : null,
    capture_method: "automatic",
    client_secret: clientSecret,
    confirmation_method: "automatic",
    created: input.created,
    currency: input.currency,
    customer: input.customer,
    customer_account: null,
    description: input.description,
    excluded_payment_method_types: null,
    last_payment_error: input.lastError,
    latest_charge: input.latestCharge,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata,
    next_action: input.status === "requires_action" ? nextAction(clientSecret) : null,
    on_behalf_of: null,
    payment_method: input.paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ["card"],
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: input.status,
    transfer_data: null,
    transfer_group: input.transferGroup,
  };
}

export function charge(input: {
  id: string;
  created: number;
  amount: number;
  amountRefunded: number;
  currency: string;
  customer: string | null;
  paymentIntent: string;
  paymentMethod: string;
  card: TestCard;
  status: "succeeded" | "failed";
  failure: StripeError | null;
  disputed: boolean;
  refunds: unknown[];
  transferGroup: string | null;
  metadata: Record<string, string>;
}) {
  const paid = input.status === "succeeded";
  return {
    id: input.id,
    object: "charge",
    amount: input.amount,
    amount_captured: paid ? input.amount : 0,
    amount_refunded: input.amountRefunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: paid ? stripeId("txn") : null,
    billing_details: { address: emptyAddress(), email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: "CHAT PAY",
    captured: paid,
    created: input.created,
    currency: input.currency,
    customer: input.customer,
    description: null,
    disputed: input.disputed,
    failure_balance_transaction: null,
    failure_code: input.failure?.code ?? null,
    failure_message: input.failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: input.metadata,
    on_behalf_of: null,
    outcome: {
      network_status: paid ? "approved_by_network" : "declined_by_network",
      reason: input.failure?.decline_code ?? null,
      risk_level: "normal",
      seller_message: paid ? "Payment complete." : "The bank did not return any further details with this decline.",
      type: paid ? "authorized" : "issuer_declined",
    },
    paid,
    payment_intent: input.paymentIntent,
    payment_method: input.paymentMethod,
    payment_method_details: {
      card: {
        brand: input.card.brand,
        country: "US",
        funding: input.card.funding,
        last4: input.card.last4,
        fingerprint: input.card.fingerprint,
      },
      type: "card",
    },
    receipt_email: null,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/emulator/${input.id}`,
    refunded: input.amountRefunded >= input.amount && input.amount > 0,
    refunds: list(`/v1/charges/${input.id}/refunds`, input.refunds),
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: input.status,
    transfer_data: null,
    transfer_group: input.transferGroup,
  };
}

export function refund(input: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  charge: string;
  paymentIntent: string;
  paymentMethod: string;
  customer: string | null;
  reason: string | null;
  metadata: Record<string, string>;
}) {
  return {
    id: input.id,
    object: "refund",
    amount: input.amount,
    balance_transaction: stripeId("txn"),
    charge: input.charge,
    created: input.created,
    currency: input.currency,
    customer: input.customer,
    customer_account: null,
    destination_details: {
      card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" },
      type: "card",
    },
    metadata: input.metadata,
    payment_intent: input.paymentIntent,
    payment_method: input.paymentMethod,
    reason: input.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: "succeeded",
    transfer_reversal: null,
  };
}

export function externalCard(input: { id: string; card: TestCard; exp: { month: number; year: number } }) {
  return {
    id: input.id,
    object: "card",
    address_city: null,
    address_country: null,
    address_line1: null,
    address_line1_check: null,
    address_line2: null,
    address_state: null,
    address_zip: null,
    address_zip_check: null,
    brand: input.card.brand === "visa" ? "Visa" : "MasterCard",
    country: "US",
    customer: null,
    cvc_check: "pass",
    dynamic_last4: null,
    exp_month: input.exp.month,
    exp_year: input.exp.year,
    fingerprint: input.card.fingerprint,
    funding: input.card.funding,
    last4: input.card.last4,
    metadata: {},
    name: "",
    regulated_status: null,
    tokenization_method: null,
  };
}

export type AccountState = {
  id: string;
  created: number;
  country: string;
  email: string | null;
  type: string;
  metadata: Record<string, string>;
  externalAccounts: ReturnType<typeof externalCard>[];
  /** Set by the emulator's control API to simulate Stripe restricting the account. */
  disabledReason: string | null;
};

const requirements = (state: AccountState) => {
  const due = state.externalAccounts.length === 0 ? ["external_account"] : [];
  return {
    alternatives: [],
    current_deadline: null,
    currently_due: due,
    disabled_reason: state.disabledReason,
    errors: [],
    eventually_due: due,
    past_due: state.disabledReason ? ["individual.verification.document"] : [],
    pending_verification: [],
  };
};

export function account(state: AccountState) {
  const payable = state.externalAccounts.length > 0 && state.disabledReason === null;
  const nulls = <K extends string>(keys: K[]) => Object.fromEntries(keys.map((k) => [k, null])) as Record<K, null>;
  return {
    id: state.id,
    object: "account",
    business_profile: {
      annual_revenue: null,
      estimated_worker_count: null,
      mcc: null,
      minority_owned_business_designation: null,
      name: null,
      product_description: null,
      support_address: null,
      support_email: null,
      support_phone: null,
      support_url: null,
      url: null,
    },
    business_type: "individual",
    capabilities: { card_payments: "inactive", transfers: state.disabledReason ? "inactive" : "active" },
    charges_enabled: false,
    controller: { type: "application", is_controller: true },
    country: state.country,
    created: state.created,
    default_currency: "usd",
    details_submitted: true,
    email: state.email,
    external_accounts: list(`/v1/accounts/${state.id}/external_accounts`, state.externalAccounts),
    future_requirements: requirements({ ...state, disabledReason: null }),
    metadata: state.metadata,
    payouts_enabled: payable,
    requirements: requirements(state),
    settings: {
      payouts: {
        debit_negative_balances: false,
        schedule: { delay_days: 2, interval: "manual" },
        statement_descriptor: null,
      },
    },
    tos_acceptance: { date: state.created, ...nulls(["ip", "user_agent"]) },
    type: state.type,
  };
}

export function transfer(input: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  destination: string;
  transferGroup: string | null;
  description: string | null;
  metadata: Record<string, string>;
}) {
  return {
    id: input.id,
    object: "transfer",
    amount: input.amount,
    amount_reversed: 0,
    balance_transaction: stripeId("txn"),
    created: input.created,
    currency: input.currency,
    description: input.description,
    destination: input.destination,
    destination_payment: stripeId("py"),
    livemode: false,
    metadata: input.metadata,
    reversals: list(`/v1/transfers/${input.id}/reversals`, []),
    reversed: false,
    source_transaction: null,
    source_type: "card",
    transfer_group: input.transferGroup,
  };
}

export function transferReversal(input: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  transfer: string;
  metadata: Record<string, string>;
}) {
  return {
    id: input.id,
    object: "transfer_reversal",
    amount: input.amount,
    balance_transaction: stripeId("txn"),
    created: input.created,
    currency: input.currency,
    destination_payment_refund: stripeId("pyr"),
    metadata: input.metadata,
    source_refund: null,
    transfer: input.transfer,
  };
}

export function payout(input: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  destination: string;
  method: string;
  status: string;
  failure: { code: string; message: string } | null;
  metadata: Record<string, string>;
}) {
  return {
    id: input.id,
    object: "payout",
    amount: input.amount,
    application_fee: null,
    application_fee_amount: null,
    arrival_date: input.created,
    automatic: false,
    balance_transaction: stripeId("txn"),
    created: input.created,
    currency: input.currency,
    description: null,
    destination: input.destination,
    failure_balance_transaction: input.failure ? stripeId("txn") : null,
    failure_code: input.failure?.code ?? null,
    failure_message: input.failure?.message ?? null,
    livemode: false,
    metadata: input.metadata,
    method: input.method,
    original_payout: null,
    payout_method: null,
    reconciliation_status: "not_applicable",
    reversed_by: null,
    source_type: "card",
    statement_descriptor: null,
    status: input.status,
    trace_id: { status: "pending", value: null },
    type: "card",
  };
}

export function dispute(input: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  charge: string;
  paymentIntent: string;
  card: TestCard;
}) {
  return {
    id: input.id,
    object: "dispute",
    amount: input.amount,
    balance_transactions: [],
    charge: input.charge,
    created: input.created,
    currency: input.currency,
    enhanced_eligibility_types: [],
    evidence: {},
    evidence_details: { due_by: input.created + 7 * 86_400, has_evidence: false, past_due: false, submission_count: 0 },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: input.paymentIntent,
    payment_method_details: { card: { brand: input.card.brand, network_reason_code: "10.4" }, type: "card" },
    reason: "fraudulent",
    status: "needs_response",
  };
}

export function event(input: {
  id: string;
  created: number;
  type: string;
  object: Record<string, unknown>;
  idempotencyKey: string | null;
}) {
  return {
    id: input.id,
    object: "event",
    api_version: "2026-10-28.endive",
    created: input.created,
    data: { object: input.object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: input.idempotencyKey },
    type: input.type,
  };
}
