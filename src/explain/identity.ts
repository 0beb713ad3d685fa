/**
 * Who runs this process: uid, user name, the invoking user under sudo, and
 * the HOME Docker takes its config directory from.
 *
 * @module
 */
import type { ConfigLocation } from '../config/locate.js';
import { check, type Check, type IdentityFacts } from './report.js';
import type { ExplainSystem, UserEntry } from './system.js';

/** Finds a user by uid in the user database. */
export function userByUid(
  system: ExplainSystem,
  uid: number | null,
): UserEntry | undefined {
  return uid === null ? undefined : system.users().find((u) => u.uid === uid);
}

/** Finds a user by name in the user database. */
function userByName(
  system: ExplainSystem,
  name: string,
): UserEntry | undefined {
  return system.users().find((u) => u.name === name);
}

/**
 * Gathers who runs this process, and the check that tells it.
 *
 * @param location Where the config was found, for the HOME it used.
 */
export function gatherIdentity(
  system: ExplainSystem,
  location: ConfigLocation,
): { facts: IdentityFacts; checks: Check[] } {
  const me = userByUid(system, system.uid);
  const facts: IdentityFacts = {
    uid: system.uid,
    gid: system.gid,
    user: me?.name ?? null,
    home: location.home ?? null,
    homeSource: location.homeSource ?? null,
    passwdHome: me?.home ?? null,
    sudo: readSudo(system),
  };
  return { facts, checks: [identityCheck(facts)] };
}

function readSudo(system: ExplainSystem): IdentityFacts['sudo'] {
  const user = system.env.SUDO_USER;
  if (!user) return null;
  const uid = Number(system.env.SUDO_UID);
  return {
    user,
    uid: Number.isInteger(uid) && system.env.SUDO_UID ? uid : null,
    home: userByName(system, user)?.home ?? null,
  };
}

function identityCheck(facts: IdentityFacts): Check {
  const { sudo } = facts;
  const who = `uid ${facts.uid ?? '?'} (${facts.user ?? 'no user name'})`;
  const summary = sudo
    ? `${who}, through sudo from ${sudo.user} (uid ${sudo.uid ?? '?'})`
    : who;
  const details = [describeHome(facts)];
  const keptHome =
    sudo !== null && sudo.home !== null && facts.home === sudo.home;
  if (sudo !== null) details.push(describeSudo(sudo, keptHome));
  return check({
    id: 'identity.user',
    section: 'identity',
    title: 'User',
    status: keptHome ? 'warning' : 'info',
    summary,
    details,
    next: keptHome ? `run docker login as ${sudo?.user}, without sudo` : null,
  });
}

function describeSudo(
  sudo: NonNullable<IdentityFacts['sudo']>,
  keptHome: boolean,
): string {
  if (keptHome) {
    return (
      `sudo kept HOME: docker reads ${sudo.user}'s config as root, and a ` +
      'docker login here writes it as root (a new file stays root-owned)'
    );
  }
  const where = sudo.home === null ? '' : ` in ${sudo.home}/.docker`;
  return `sudo changed HOME: ${sudo.user}'s own login${where} is not used here`;
}

function describeHome(facts: IdentityFacts): string {
  if (facts.home === null) {
    return (
      'no HOME and no home in the user database: ' +
      'Docker falls back to ./.docker'
    );
  }
  if (facts.homeSource === 'passwd') {
    return (
      `HOME is unset or empty; Docker takes ${facts.home} ` +
      'from the user database'
    );
  }
  const differs =
    facts.passwdHome !== null && facts.passwdHome !== facts.home
      ? ` (the user database says ${facts.passwdHome})`
      : '';
  return `HOME is ${facts.home}, from $HOME${differs}`;
}
