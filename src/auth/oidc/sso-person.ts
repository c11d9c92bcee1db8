import type { OidcConfig } from '../../config.ts';
import type { SsoPerson } from '../sso-accounts.ts';
import type { IdTokenClaims } from './id-token.ts';
import { groupsOf, mappedRole } from './role-mapping.ts';
import { ssoFailure } from './sso-failure.ts';

/** The usernames Riposte accepts (src/auth/user-service.ts has the same rule). */
const USERNAME = /^[a-zA-Z0-9][a-zA-Z0-9._@-]{0,127}$/;

/**
 * Who a verified ID token names, in Riposte's terms: the username from the first of the configured
 * claims that holds a usable one (an email only when the provider has not marked it unverified), and
 * the role the mapping gives the groups of the roles claim (or the default role).
 */
export function ssoPersonOf(
  claims: IdTokenClaims,
  idToken: string,
  config: Pick<OidcConfig, 'issuer' | 'name' | 'usernameClaims' | 'rolesClaim' | 'roleMap' | 'defaultRole'>,
): SsoPerson {
  const tried: string[] = [];
  let unverified = false;
  let username: string | undefined;
  for (const name of config.usernameClaims) {
    const value = claims[name];
    if (typeof value !== 'string' || value === '') {
      tried.push(`${name}: missing`);
      continue;
    }
    if (name === 'email' && claims.email_verified === false) {
      unverified = true;
      tried.push(`email: "${value.slice(0, 128)}" is not verified at the provider`);
      continue;
    }
    if (!USERNAME.test(value)) {
      tried.push(
        `${name}: "${value.slice(0, 128)}" has characters a username cannot (letters, digits, ".", "_", "@", "-"; at most 128)`,
      );
      continue;
    }
    username = value;
    break;
  }
  if (username === undefined)
    throw ssoFailure(
      unverified ? 'email_unverified' : 'no_username',
      `the ID token has no claim Riposte can take the username from (${tried.join('; ')}); RIPOSTE_OIDC_USERNAME_CLAIM names the claims tried`,
    );
  const groups = groupsOf(claims, config.rolesClaim);
  const role = mappedRole(groups, config.roleMap) ?? config.defaultRole;
  const listed =
    groups.length === 0
      ? 'lists no groups'
      : `lists ${groups
          .slice(0, 10)
          .map((g) => `"${g.slice(0, 100)}"`)
          .join(', ')}${groups.length > 10 ? ` and ${groups.length - 10} more` : ''}`;
  return {
    issuer: config.issuer,
    subject: claims.sub,
    username,
    role,
    noRoleDetail: `"${username}" is in none of the groups Riposte gives a role to: the "${config.rolesClaim}" claim from ${config.name} ${listed}; an admin can map a group to a role (RIPOSTE_OIDC_ROLE_MAP) or set RIPOSTE_OIDC_DEFAULT_ROLE`,
    idToken,
  };
}
