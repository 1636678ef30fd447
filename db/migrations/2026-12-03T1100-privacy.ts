import { type Kysely, sql } from "kysely";

/**
 * Privacy: who may reach a person (privacy_settings), what they agreed to and when
 * (consents, a history: withdrawing closes a row, agreeing again opens a new one), and the
 * accounts closed and pseudonymised, kept until their retention ends (closed_accounts, which
 * names only the former-user id that replaced the person's, and Stripe's handles of what is
 * still to be deleted there). The append-only guards of the ledger's accounts, the payment
 * audit, risk decisions and operators' actions let exactly the pseudonymisation and the purge
 * through.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const audience = (column: string) => sql`${sql.ref(column)} in ('everyone', 'people_i_paid', 'nobody')`;
  await db.schema
    .createTable("privacy_settings")
    .addColumn("user_id", "text", (c) => c.primaryKey().references("users.id"))
    .addColumn("requests_from", "text", (c) => c.notNull().check(audience("requests_from")))
    .addColumn("threads_from", "text", (c) => c.notNull().check(audience("threads_from")))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("consents")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("purpose", "text", (c) => c.notNull().check(sql`char_length(purpose) between 1 and 64`))
    .addColumn("version", "text", (c) => c.check(sql`char_length(version) between 1 and 32`))
    .addColumn("granted_at", "timestamptz", (c) => c.notNull())
    .addColumn("withdrawn_at", "timestamptz")
    .execute();
  // At most one standing consent per purpose; withdrawn ones stay as history.
  await sql`create unique index consents_standing on consents (user_id, purpose) where withdrawn_at is null`.execute(
    db,
  );

  await db.schema
    .createTable("closed_accounts")
    .addColumn("former_id", "text", (c) => c.primaryKey().references("users.id"))
    .addColumn("closed_at", "timestamptz", (c) => c.notNull())
    .addColumn("purge_after", "timestamptz", (c) => c.notNull())
    // Stripe's handles still to delete there (cards, customer, payout account) until that is done.
    .addColumn("stripe_cleanup", "jsonb")
    .execute();
  await db.schema.createIndex("closed_accounts_purge_after").on("closed_accounts").column("purge_after").execute();

  // The former user a purge is running for: set for its transaction only (set_config(..., true)).
  await sql`
    create function privacy_purging() returns text language sql stable as $$
      select former_id from closed_accounts where former_id = nullif(current_setting('chat_pay.purging', true), '')
    $$`.execute(db);
  // Append-only rows, but for the two changes privacy needs: closing an account replaces a
  // person's id in the named columns with their former-user id (once), and a purge of a former
  // user may delete rows.
  await sql`
    create function append_only_but_private() returns trigger language plpgsql as $$
    declare
      changed text[];
    begin
      if tg_op = 'DELETE' and privacy_purging() is not null then
        return old;
      end if;
      if tg_op = 'UPDATE' and tg_nargs > 0 then
        select array_agg(n.key) into changed from jsonb_each(to_jsonb(new)) as n
        where n.value is distinct from to_jsonb(old) -> n.key;
        if changed <@ tg_argv and not exists (
             select 1 from unnest(changed) as c
             where to_jsonb(new) ->> c not in (select former_id from closed_accounts)
                or to_jsonb(old) ->> c like 'fmr\\_%') then
          return new;
        end if;
      end if;
      raise exception '% rows are append-only: % refused', tg_table_name, tg_op using errcode = 'restrict_violation';
    end $$`.execute(db);
  await sql`drop trigger payment_audit_append_only on payment_audit`.execute(db);
  await sql`create trigger payment_audit_append_only before update or delete on payment_audit
            for each row execute function append_only_but_private('actor_id')`.execute(db);
  await sql`drop trigger risk_decisions_append_only on risk_decisions`.execute(db);
  await sql`create trigger risk_decisions_append_only before update or delete on risk_decisions
            for each row execute function append_only_but_private()`.execute(db);
  // An operator's audited action may name a person (as its subject, or an operator as its actor).
  await sql`drop trigger risk_operator_actions_append_only on risk_operator_actions`.execute(db);
  await sql`create trigger risk_operator_actions_append_only before update or delete on risk_operator_actions
            for each row execute function append_only_but_private('operator_id', 'subject_id')`.execute(db);

  // A ledger account's owner may change twice, and nothing else about it: closing replaces a
  // person with their former-user id, and the purge replaces that with `former:<account id>`,
  // an owner that names no one. Transfers and balance history never change.
  await sql`
    create function ledger_accounts_owner_guard() returns trigger language plpgsql as $$
    begin
      if (to_jsonb(new) - 'owner_id') = (to_jsonb(old) - 'owner_id') and (
           (new.owner_id in (select former_id from closed_accounts)
            and old.owner_id <> 'platform' and old.owner_id not like 'fmr\\_%' and old.owner_id not like 'former:%')
        or (old.owner_id = privacy_purging() and new.owner_id = 'former:' || old.id)) then
        return new;
      end if;
      raise exception 'ledger rows are append-only: % on % refused', tg_op, tg_table_name using errcode = 'restrict_violation';
    end $$`.execute(db);
  await sql`drop trigger ledger_accounts_identity_guard on ledger_accounts`.execute(db);
  await sql`create trigger ledger_accounts_identity_guard
            before update of id, owner_id, purpose, currency, debits_must_not_exceed_credits, created_at on ledger_accounts
            for each row execute function ledger_accounts_owner_guard()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger ledger_accounts_identity_guard on ledger_accounts`.execute(db);
  await sql`create trigger ledger_accounts_identity_guard
            before update of id, owner_id, purpose, currency, debits_must_not_exceed_credits, created_at on ledger_accounts
            for each row execute function ledger_refuse_change()`.execute(db);
  for (const table of ["payment_audit", "risk_decisions", "risk_operator_actions"]) {
    await sql`drop trigger ${sql.raw(`${table}_append_only`)} on ${sql.table(table)}`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_append_only`)} before update or delete on ${sql.table(table)}
              for each row execute function ledger_refuse_change()`.execute(db);
  }
  await sql`drop function ledger_accounts_owner_guard()`.execute(db);
  await sql`drop function append_only_but_private()`.execute(db);
  await sql`drop function privacy_purging()`.execute(db);
  await db.schema.dropTable("closed_accounts").execute();
  await db.schema.dropTable("consents").execute();
  await db.schema.dropTable("privacy_settings").execute();
}
