import { type Kysely, sql } from "kysely";

/**
 * The double-entry ledger (TigerBeetle's model in Postgres). Invariants the database itself
 * holds: amounts positive, accounts distinct, balances never below zero where flagged,
 * transfers and balance history append-only (a pending transfer may change state once).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("ledger_accounts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("owner_id", "text", (c) => c.notNull())
    .addColumn("purpose", "text", (c) => c.notNull().check(sql`purpose ~ '^[a-z_]{1,32}$'`))
    .addColumn("currency", "char(3)", (c) => c.notNull().check(sql`currency ~ '^[A-Z]{3}$'`))
    .addColumn("debits_must_not_exceed_credits", "boolean", (c) => c.notNull())
    .addColumn("debits_pending", "bigint", (c) => c.notNull().defaultTo(0).check(sql`debits_pending >= 0`))
    .addColumn("debits_posted", "bigint", (c) => c.notNull().defaultTo(0).check(sql`debits_posted >= 0`))
    .addColumn("credits_pending", "bigint", (c) => c.notNull().defaultTo(0).check(sql`credits_pending >= 0`))
    .addColumn("credits_posted", "bigint", (c) => c.notNull().defaultTo(0).check(sql`credits_posted >= 0`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addUniqueConstraint("ledger_accounts_owner_purpose_currency", ["owner_id", "purpose", "currency"])
    .addCheckConstraint(
      "ledger_accounts_debits_within_credits",
      sql`not debits_must_not_exceed_credits or debits_pending + debits_posted <= credits_posted`,
    )
    .execute();

  await db.schema
    .createTable("ledger_transfers")
    .addColumn("id", "text", (c) => c.primaryKey().check(sql`char_length(id) between 1 and 128`))
    .addColumn("seq", "bigint", (c) => c.notNull().unique().generatedAlwaysAsIdentity())
    .addColumn("kind", "text", (c) =>
      c.notNull().check(sql`kind in ('posted', 'pending', 'post_pending', 'void_pending', 'expire_pending')`),
    )
    .addColumn("debit_account_id", "text", (c) => c.notNull().references("ledger_accounts.id"))
    .addColumn("credit_account_id", "text", (c) => c.notNull().references("ledger_accounts.id"))
    .addColumn("amount", "bigint", (c) => c.notNull().check(sql`amount > 0`))
    .addColumn("currency", "char(3)", (c) => c.notNull())
    .addColumn("pending_id", "text", (c) => c.references("ledger_transfers.id"))
    .addColumn("state", "text", (c) => c.check(sql`state in ('pending', 'posted', 'voided', 'expired')`))
    .addColumn("expires_at", "timestamptz")
    .addColumn("reference", "text", (c) => c.check(sql`char_length(reference) <= 128`))
    .addColumn("metadata", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("resolved_at", "timestamptz")
    .addCheckConstraint("ledger_transfers_accounts_distinct", sql`debit_account_id <> credit_account_id`)
    .addCheckConstraint("ledger_transfers_state_iff_pending", sql`(kind = 'pending') = (state is not null)`)
    .addCheckConstraint(
      "ledger_transfers_pending_id_iff_resolution",
      sql`(kind in ('post_pending', 'void_pending', 'expire_pending')) = (pending_id is not null)`,
    )
    .addCheckConstraint("ledger_transfers_expiry_only_pending", sql`expires_at is null or kind = 'pending'`)
    .addCheckConstraint(
      "ledger_transfers_resolved_iff_resolved",
      sql`(resolved_at is not null) = (state in ('posted', 'voided', 'expired'))`,
    )
    .execute();
  // At most one resolution per pending transfer, whatever the application does.
  await sql`create unique index ledger_transfers_one_resolution on ledger_transfers (pending_id) where pending_id is not null`.execute(
    db,
  );
  await sql`create index ledger_transfers_pending_due on ledger_transfers (expires_at) where state = 'pending' and expires_at is not null`.execute(
    db,
  );
  await db.schema.createIndex("ledger_transfers_by_reference").on("ledger_transfers").column("reference").execute();

  // One row per account touched by a transfer: the account's counters right after it.
  await db.schema
    .createTable("ledger_balances")
    .addColumn("account_id", "text", (c) => c.notNull())
    .addColumn("transfer_seq", "bigint", (c) => c.notNull())
    .addColumn("debits_pending", "bigint", (c) => c.notNull())
    .addColumn("debits_posted", "bigint", (c) => c.notNull())
    .addColumn("credits_pending", "bigint", (c) => c.notNull())
    .addColumn("credits_posted", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("ledger_balances_pkey", ["account_id", "transfer_seq"])
    .execute();

  await sql`
    create function ledger_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'ledger rows are append-only: % on % refused', tg_op, tg_table_name
        using errcode = 'restrict_violation';
    end $$`.execute(db);

  await sql`
    create function ledger_transfers_guard() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE'
         and old.state = 'pending'
         and new.state in ('posted', 'voided', 'expired')
         and new.resolved_at is not null
         and (to_jsonb(new) - 'state' - 'resolved_at') = (to_jsonb(old) - 'state' - 'resolved_at') then
        return new;
      end if;
      raise exception 'ledger transfers are immutable (only a pending transfer''s state may change, once): % refused', tg_op
        using errcode = 'restrict_violation';
    end $$`.execute(db);

  await sql`create trigger ledger_transfers_guard before update or delete on ledger_transfers for each row execute function ledger_transfers_guard()`.execute(
    db,
  );
  // Only the balance counters of an account may change; a column list keeps the hot path trigger-free.
  await sql`create trigger ledger_accounts_identity_guard before update of id, owner_id, purpose, currency, debits_must_not_exceed_credits, created_at on ledger_accounts for each row execute function ledger_refuse_change()`.execute(
    db,
  );
  await sql`create trigger ledger_accounts_no_delete before delete on ledger_accounts for each row execute function ledger_refuse_change()`.execute(
    db,
  );
  await sql`create trigger ledger_balances_guard before update or delete on ledger_balances for each row execute function ledger_refuse_change()`.execute(
    db,
  );
  for (const table of ["ledger_accounts", "ledger_transfers", "ledger_balances"]) {
    await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)} for each statement execute function ledger_refuse_change()`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["ledger_balances", "ledger_transfers", "ledger_accounts"]) {
    await db.schema.dropTable(table).execute();
  }
  for (const fn of ["ledger_refuse_change", "ledger_transfers_guard"]) {
    await sql`drop function ${sql.raw(fn)}()`.execute(db);
  }
}
