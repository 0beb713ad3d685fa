/**
 * `regcred migrate --to HELPER [--dry-run]`: moves the plaintext `auths`
 * entries of config.json into `docker-credential-HELPER`, verifying each
 * before config.json is changed (see stores/migrate.ts). `--dry-run`
 * prints the plan and changes nothing.
 *
 * @module
 */
import { UsageError } from '../../errors.js';
import { findHelper } from '../../stores/helper-client.js';
import {
  migrateCredentials,
  planMigration,
  type MigrationItem,
  type MigrationOutcome,
  type MigrationPlan,
} from '../../stores/migrate.js';
import type { CommandContext } from '../main.js';
import { EXIT, createCliResolver } from '../main.js';
import type { Output } from '../output.js';
import { printableInline } from '../output.js';

/** Runs `migrate`; returns the exit status. */
export async function runMigrate(context: CommandContext): Promise<number> {
  const { line, out, env } = context;
  const helper = readHelperName(context);
  const dryRun = line.options['dry-run'] === true;
  if (findHelper(helper, env) === undefined) {
    out.error(
      `docker-credential-${printableInline(helper)} was not found on PATH. ` +
        'Install the helper (or fix PATH) and run migrate again',
    );
    return EXIT.failure;
  }
  // an unparsable config.json stops here, untouched
  const loaded = await createCliResolver(context).loadContext();
  const plan = planMigration(loaded.config, helper);
  printPlan(out, plan, dryRun);
  if (plan.refusal !== undefined) {
    out.error(`Nothing migrated: ${plan.refusal}`);
    return EXIT.failure;
  }
  const moving = plan.items.filter((item) => item.action === 'move');
  if (dryRun) {
    out.result(`Dry run: ${moving.length} to move; nothing was changed\n`);
    return EXIT.ok;
  }
  if (moving.length === 0 && loaded.config.credsStore === helper) {
    out.result('Nothing to migrate\n');
    return EXIT.ok;
  }
  const outcome = await migrateCredentials(plan, {
    configPath: loaded.location.file,
    helper: { env, timeoutMs: context.helperTimeoutMs, stderr: 'inherit' },
    onVerified: (item) =>
      out.result(`${shown(item)}: stored in ${helper} and verified\n`),
  });
  return reportOutcome(out, plan, outcome);
}

function readHelperName(context: CommandContext): string {
  const { line } = context;
  if (line.positionals.length > 0) {
    throw new UsageError(
      `'migrate' takes no arguments; unexpected '${line.positionals[0]}'`,
    );
  }
  const helper = line.options.to;
  if (typeof helper !== 'string' || helper === '') {
    throw new UsageError(
      "'migrate' needs --to HELPER, the helper to move credentials into " +
        "(e.g. 'regcred migrate --to pass')",
    );
  }
  return helper;
}

/** One line per entry: registry, user, what happens (never a secret). */
function printPlan(out: Output, plan: MigrationPlan, dryRun: boolean): void {
  const verb = dryRun ? 'would move' : 'will move';
  for (const item of plan.items) {
    const what =
      item.action === 'move'
        ? `${verb} to ${plan.helper}`
        : `stays in config.json: ${item.reason ?? item.action}`;
    out.result(`${shown(item)}: ${what}\n`);
  }
  if (plan.items.length === 0) out.result('config.json has no auths\n');
}

function reportOutcome(
  out: Output,
  plan: MigrationPlan,
  outcome: MigrationOutcome,
): number {
  if (!outcome.completed) {
    out.error(
      `Migration stopped, config.json was not changed: ${outcome.failure}`,
    );
    for (const { key, location } of outcome.whereabouts) {
      out.message(`  ${printableInline(key)}: ${location}`);
    }
    return EXIT.failure;
  }
  const staying = plan.items.length - outcome.verified.length;
  out.result(
    `Migrated ${outcome.verified.length} credential(s) to ` +
      `${plan.helper}; credsStore is now '${plan.helper}'` +
      (staying > 0 ? `; ${staying} entry(ies) left as they were\n` : '\n'),
  );
  warnAboutHidden(out, plan);
  return EXIT.ok;
}

/**
 * With credsStore set, Docker reads every key without a credHelpers entry
 * from the helper, so credentials left in auths are no longer used.
 */
function warnAboutHidden(out: Output, plan: MigrationPlan): void {
  for (const item of plan.items) {
    if (item.action === 'unsupported' || item.action === 'undecodable') {
      out.warn(
        `${printableInline(item.key)} stays in config.json, but Docker ` +
          `now looks it up in ${plan.helper}; log in to it again`,
      );
    }
  }
}

function shown(item: MigrationItem): string {
  const user = item.username === '' ? '' : ` (${item.username})`;
  return printableInline(`${item.key}${user}`);
}
